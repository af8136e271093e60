import type { Partitioning } from "../dispatch/keys";
import type { Redis } from "../redis";
import type { RegistrySnapshot } from "../registry/registry-snapshot";

/**
 * numBlockedAddress: addresses whose mailbox holds at least the endpoint's maxNumBatchRequests (StateFun's
 * "blocked" address; our ingress answers 429 mailbox-full for them). No script keeps an index of them, so it
 * is derived on read: a partition can only hold a blocked address of a type whose backlog there is ≥ the cap,
 * so only those partitions are scanned, and the scan touches only addresses with pending work (ready,
 * leased, held, parked or waiting for a call slot), one LLEN each. Read-only; one script per scanned partition.
 */
const SCAN_LUA = `
local pp = ARGV[1]
local caps = {}
for i = 2, #ARGV, 2 do caps[ARGV[i]] = tonumber(ARGV[i + 1]) end
local seen, counts = {}, {}
local function check(addr)
  if seen[addr] then return end
  seen[addr] = true
  local ns, name = string.match(addr, '^([^/]+)/([^/]+)/')
  if not ns then return end
  local ftype = ns .. '/' .. name
  local cap = caps[ftype] or caps[ns .. '/*']
  if cap and cap > 0 and redis.call('LLEN', pp .. 'm:' .. addr) >= cap then counts[ftype] = (counts[ftype] or 0) + 1 end
end
for _, a in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do check(a) end
for _, a in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do check(a) end
for _, a in ipairs(redis.call('HKEYS', KEYS[3])) do check(a) end
for _, a in ipairs(redis.call('ZRANGE', KEYS[4], 0, -1)) do check(a) end
for _, e in ipairs(redis.call('SMEMBERS', pp .. 'wt')) do
  for _, a in ipairs(redis.call('LRANGE', pp .. 'w:' .. e, 0, -1)) do check(a) end
end
local out = {}
for t, n in pairs(counts) do out[#out + 1] = t; out[#out + 1] = n end
return out
`;

type ScanCmd = (ready: string, leases: string, held: string, parked: string, ...args: Array<string | number>) => Promise<Array<string | number>>;
const defined = new WeakSet<Redis>();

/** Defines the scan script on a client (createRedis does, before the client sends anything). */
export function defineMetricsScripts(redis: Redis): void {
  if (defined.has(redis)) return;
  redis.defineCommand("sh_metricsBlocked", { numberOfKeys: 4, lua: SCAN_LUA });
  defined.add(redis);
}

/** `backlogByPartition[p]` maps function type → messages waiting in partition p (from the stats hashes). */
export async function countBlockedAddresses(
  redis: Redis,
  keys: Partitioning,
  registry: RegistrySnapshot,
  backlogByPartition: Array<Map<string, number>>,
): Promise<Map<string, number>> {
  const capOf = (type: string) => registry.resolve(type)?.maxNumBatchRequests ?? 0;
  const scan: number[] = [];
  backlogByPartition.forEach((types, p) => {
    for (const [type, n] of types) {
      const cap = capOf(type);
      if (cap > 0 && n >= cap) return void scan.push(p);
    }
  });
  const out = new Map<string, number>();
  if (scan.length === 0) return out;
  defineMetricsScripts(redis);
  const caps: Array<string | number> = [];
  for (const e of registry.endpoints) caps.push(e.functions, e.maxNumBatchRequests);
  const cmd = (redis as unknown as { sh_metricsBlocked: ScanCmd }).sh_metricsBlocked.bind(redis);
  const results = await Promise.all(scan.map((p) => cmd(keys.ready(p), keys.leases(p), keys.held(p), keys.parked(p), keys.pp(p), ...caps)));
  for (const r of results) for (let i = 0; i < r.length; i += 2) out.set(String(r[i]), (out.get(String(r[i])) ?? 0) + Number(r[i + 1]));
  return out;
}
