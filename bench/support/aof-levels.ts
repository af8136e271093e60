import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataPlane } from "../../server/dispatch/data-plane";
import { createRedis } from "../../server/redis";
import { freePort, waitFor } from "../../tests/support/processes";
import { commitAll, enqueueAndClaim, ids } from "./commit-workload";
import { cpuOfPid, halt, launch } from "./processes";

const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const dirBytes = (d: string): number => readdirSync(d, { withFileTypes: true }).reduce((t, f) => t + (f.isDirectory() ? dirBytes(join(d, f.name)) : statSync(join(d, f.name)).size), 0);

/**
 * The durability levels' cost: the raw commit-script workload (pre-claimed addresses, 256 in flight) against three
 * private redis-server processes — no AOF, appendfsync everysec, appendfsync always — one after another, with
 * temporary data directories; commits/s and the ratio to no AOF.
 */
export async function measureAofLevels(opts: { commits: number; partitions: number; groups: number; log: (msg: string) => void }) {
  const levels: Array<[string, string[]]> = [
    ["noAof", ["--appendonly", "no"]],
    ["everysec", ["--appendonly", "yes", "--appendfsync", "everysec"]],
    ["always", ["--appendonly", "yes", "--appendfsync", "always"]],
  ];
  const servers = await Promise.all(
    levels.map(async ([name, args]) => {
      const port = await freePort();
      const dir = mkdtempSync(join(tmpdir(), `statehouse-bench-${name}-`));
      const proc = launch(`redis-${name}`, "redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...args, "--dir", dir, "--logfile", ""]);
      return { name, port, dir, proc };
    }),
  );
  const N = opts.commits;
  const aof: Record<string, unknown> = { commits: N };
  try {
    for (const s of servers) {
      const redis = createRedis(`redis://127.0.0.1:${s.port}`, "producer", `bench-${s.name}`);
      try {
        await waitFor(async () => (await redis.ping()) === "PONG", 10_000, 50);
        const dp = new DataPlane(redis, "bench", opts.partitions, opts.groups);
        await dp.initMarker();
        opts.log(`aof ${s.name}: ${N} commits`);
        const claimed = await enqueueAndClaim(dp, ids("aof/c", 0, N), "aof/c", true);
        const pid = Number(/process_id:(\d+)/.exec(await redis.info("server"))![1]);
        const cpu0 = cpuOfPid(pid);
        const secs = await commitAll(dp, claimed);
        const fsync = ((await redis.config("GET", "appendfsync")) as string[])[1];
        const aofOn = ((await redis.config("GET", "appendonly")) as string[])[1];
        aof[s.name] = { appendonly: aofOn, appendfsync: fsync, seconds: r3(secs), commitsPerSec: Math.round(N / secs), redisCpuUsPerCommit: Math.round(((cpuOfPid(pid) - cpu0) * 1e6) / N), aofMiB: r1(dirBytes(s.dir) / 2 ** 20) };
      } finally {
        await redis.quit().catch(() => undefined);
      }
    }
  } finally {
    for (const s of servers) {
      await halt(s.proc);
      rmSync(s.dir, { recursive: true, force: true });
    }
  }
  const base = (aof.noAof as { commitsPerSec: number }).commitsPerSec;
  for (const [name] of levels) Object.assign(aof[name] as object, { ratioToNoAof: r3((aof[name] as { commitsPerSec: number }).commitsPerSec / base) });
  aof.note = 'the raw commit workload (pre-claimed addresses, 256 in flight) against three private redis-server processes (--save ""), one after another; their data dirs are temporary';
  return aof;
}
