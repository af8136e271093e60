import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Fault injection for negative controls: copies of real data-plane scripts with one safety mechanism cut
 * out. Each edit must match the real script exactly once, so a control can never silently equal the original.
 */
export function faultyScripts(edits: Array<{ file: string; from: string; to: string }>): string {
  const dir = mkdtempSync(join(tmpdir(), "statehouse-fault-"));
  const byFile = new Map<string, string>();
  for (const e of edits) {
    const src = byFile.get(e.file) ?? readFileSync(join(process.cwd(), "server/dispatch/lua", e.file), "utf8");
    const count = src.split(e.from).length - 1;
    if (count !== 1) throw new Error(`fault edit for ${e.file} matches ${count} times: ${e.from}`);
    byFile.set(e.file, src.replace(e.from, e.to));
  }
  for (const [file, src] of byFile) writeFileSync(join(dir, file), src);
  return dir;
}

export const NO_VERSION_CHECK = {
  file: "commit-9.lua",
  from: "if (m[2] or '0') ~= ARGV[3] then return redis.error_reply('FENCED version ' .. tostring(m[2])) end",
  to: "-- fault: version check removed",
};
export const NO_LEASE_CHECK = {
  file: "commit-9.lua",
  from: "if m[1] ~= token then return redis.error_reply('FENCED lease ' .. tostring(m[1])) end",
  to: "-- fault: lease check removed",
};
/** Outgoing messages pushed at the head instead of the tail: order between a sender and a receiver breaks. */
export const LIFO_DELIVERY = { file: "commit-9.lua", from: "redis.call('RPUSH', tpp .. 'm:' .. taddr, ARGV[b + 3])", to: "redis.call('LPUSH', tpp .. 'm:' .. taddr, ARGV[b + 3])" };
/** Messages consumed when claimed instead of at commit: a crash between claim and commit loses them. */
export const CONSUME_AT_CLAIM = [
  { file: "claim-2.lua", from: "redis.call('LRANGE', mb, 0, b - 1)", to: "redis.call('LPOP', mb, b)" },
  { file: "commit-9.lua", from: "  redis.call('LPOP', KEYS[2], consumed)\n", to: "  -- fault: consumed at claim\n" },
];
/** Every enqueue schedules (double schedule) and claim ignores a live lease: two calls per address at once. */
export const DOUBLE_SCHEDULE = [
  { file: "enqueue-4.lua", from: "if redis.call('HGET', meta, 'sch') ~= '1' then", to: "if true then" },
  { file: "claim-2.lua", from: "if m[2] or m[3] == '1' then", to: "if m[3] == '1' then" },
];
