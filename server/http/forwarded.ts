import { isIP } from "node:net";
import type { HeaderSource } from "../auth/authenticate";

/**
 * What a request says about where it came from. `X-Forwarded-*` headers are whatever the client wrote unless a
 * proxy in front of us replaced them, so they are read only when STATEHOUSE_TRUST_PROXY says such a proxy is
 * always there. Their presence proves nothing: Next's own server fills in x-forwarded-host, -proto and -for when
 * a request has none (next/dist/server/base-server.js), and keeps the client's when it has them.
 *
 * With a trusted proxy, the last value of a comma list is read: one hop is trusted, and a proxy appends what it
 * saw (nginx's $proxy_add_x_forwarded_for) after whatever the client sent.
 */
const lastValue = (v: string | null): string | null => v?.split(",").at(-1)?.trim() || null;

/**
 * The host the browser addressed, to compare an Origin with. Without a trusted proxy it is the Host header: a
 * browser always sets it and a page's script cannot (a forbidden header), whereas it can add X-Forwarded-Host.
 */
export function requestHost(headers: HeaderSource, requestUrl: string, trustProxy: boolean): string {
  const forwarded = trustProxy ? lastValue(headers.get("x-forwarded-host")) : null;
  return forwarded ?? headers.get("host") ?? new URL(requestUrl).host;
}

/** `https` or `http`, for the cookies' Secure flag in `auto` mode. */
export function requestProtocol(headers: HeaderSource, requestUrl: string, trustProxy: boolean): string {
  const forwarded = trustProxy ? lastValue(headers.get("x-forwarded-proto")) : null;
  return (forwarded ?? new URL(requestUrl).protocol).replace(/:$/, "").toLowerCase();
}

/**
 * The client's address when a trusted proxy tells it, else null: a Next route handler never sees the socket, and
 * without a proxy that overwrites X-Forwarded-For its value is the client's own claim (any address it likes).
 */
export function clientAddress(headers: HeaderSource, trustProxy: boolean): string | null {
  if (!trustProxy) return null;
  const raw = lastValue(headers.get("x-forwarded-for"));
  if (!raw) return null;
  // Some proxies add the port ("203.0.113.7:51234", "[2001:db8::1]:51234"); an IPv4 client on a dual-stack
  // socket reads "::ffff:203.0.113.7". Each is one client, so each becomes the bare address.
  const address = raw
    .replace(/^\[([^\]]*)\](:\d+)?$/, "$1")
    .replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, "$1")
    .replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "")
    .toLowerCase();
  return isIP(address) ? address : null;
}
