import { isIP } from "node:net";
import type { ResolveHost } from "@/server/net/host-policy";

/** A resolver for host policies that answers from `table` and records every name it was asked for; no network. */
export function fakeDns(table: Record<string, string[]>): { resolve: ResolveHost; asked: string[] } {
  const asked: string[] = [];
  const resolve: ResolveHost = async (host) => {
    asked.push(host);
    const found = table[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return found.map((address) => ({ address, family: isIP(address) }));
  };
  return { resolve, asked };
}
