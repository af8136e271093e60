import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import net from "node:net";

const isLoopback = (ip: string) => ip === "::1" || /^(::ffff:)?127\./i.test(ip);

/**
 * Makes every TCP connect of this process (undici calls `net.connect`) loopback-only while installed, so a test
 * of the SSRF guard cannot reach a metadata address even when the guard under test is broken: a literal
 * non-loopback host throws, and non-loopback addresses a lookup answers are dropped (an error when none is
 * left). `hosts` records every host a connect was asked for.
 */
export function loopbackOnly(): { hosts: string[]; restore(): void } {
  const original = net.connect;
  const hosts: string[] = [];
  const guard = (what: string) => Object.assign(new Error(`test guard: a connection to ${what} was attempted`), { code: "ETESTGUARD" });
  const guarded = (...args: unknown[]) => {
    const opts = args[0];
    if (typeof opts === "object" && opts !== null && !(opts as net.IpcNetConnectOpts).path) {
      const tcp = opts as net.TcpNetConnectOpts;
      const host = tcp.host ?? "localhost";
      hosts.push(host);
      if (net.isIP(host)) {
        if (!isLoopback(host)) throw guard(host);
      } else {
        const inner = tcp.lookup ?? dnsLookup;
        const lookup: net.LookupFunction = (hostname, options, callback) =>
          inner(hostname, options, (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
            if (err) return callback(err, "", 0);
            if (Array.isArray(address)) {
              const kept = address.filter((a) => isLoopback(a.address));
              return kept.length ? callback(null, kept) : callback(guard(`${hostname} (${address.map((a) => a.address)})`), "", 0);
            }
            return isLoopback(address) ? callback(null, address, family) : callback(guard(`${hostname} (${address})`), "", 0);
          });
        args[0] = { ...tcp, lookup };
      }
    }
    return (original as (...a: unknown[]) => net.Socket)(...args);
  };
  net.connect = guarded as typeof net.connect;
  return {
    hosts,
    restore() {
      net.connect = original;
    },
  };
}
