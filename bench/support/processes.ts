import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Child processes of a benchmark and what /proc says about processes (Linux): CPU seconds, peak memory. */
export interface Child {
  name: string;
  proc: ChildProcess;
  tail: () => string;
  exited: Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `cmd` with a minimal environment (plus `env`), keeping the last 10 kB of its output. */
export function launch(name: string, cmd: string, args: string[], env: Record<string, string> = {}, cwd?: string): Child {
  const proc = spawn(cmd, args, { cwd, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "production", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-10_000));
  proc.stdout!.on("data", keep);
  proc.stderr!.on("data", keep);
  return { name, proc, tail: () => out, exited: new Promise<void>((r) => proc.on("exit", () => r())) };
}

export const running = (c: Child) => c.proc.exitCode === null && c.proc.signalCode === null;

/** SIGTERM, then SIGKILL after 15 s. */
export async function halt(c: Child): Promise<void> {
  if (!running(c)) return;
  c.proc.kill("SIGTERM");
  await Promise.race([c.exited, sleep(15_000)]);
  if (running(c)) c.proc.kill("SIGKILL");
  await c.exited;
}

/** Node arguments that run a TypeScript entry of this repository through tsx. */
export const tsx = (entry: string, ...args: string[]) => ["--import", "tsx", join(process.cwd(), entry), ...args];

/** Peak resident memory of a process, MiB (VmHWM). */
export function peakRssMiB(pid: number | undefined): number | null {
  try {
    return Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024);
  } catch {
    return null;
  }
}

/** A process's command name, parent and CPU seconds (user + system, all threads), from /proc/<pid>/stat; null once it is gone. */
function procStat(pid: number | string): { comm: string; ppid: number; cpuSec: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    return { comm: stat.slice(stat.indexOf("(") + 1, close), ppid: Number(fields[1]), cpuSec: (Number(fields[11]) + Number(fields[12])) / 100 };
  } catch {
    return null;
  }
}

export const cpuOfPid = (pid: number) => procStat(pid)?.cpuSec ?? 0;
/** A process's command name (/proc/<pid>/comm, at most 15 characters; a process may retitle itself). */
export const commOf = (pid: number) => procStat(pid)?.comm ?? null;

/** CPU seconds the whole machine has been busy (all cores: /proc/stat less idle and iowait): with the readings of
 * one's own processes, what everything else on a shared machine took meanwhile. */
export function machineCpuSec(): number {
  const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = ticks;
  return (user + nice + system + irq + softirq + steal) / 100;
}

/** A process and all its descendants (Next may run its server in a child process). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync("/proc")) {
    const st = /^\d+$/.test(d) ? procStat(d) : null;
    if (st) children.set(st.ppid, [...(children.get(st.ppid) ?? []), Number(d)]);
  }
  const out: number[] = [];
  for (const todo = [root]; todo.length; ) {
    const pid = todo.pop()!;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** CPU seconds of a process and its descendants (one that has ended is no longer counted). */
export const cpuOfTree = (root: number) => processTree(root).reduce((total, pid) => total + cpuOfPid(pid), 0);

/** VmRSS of a process and its descendants, MiB (unrounded). */
export function rssMiB(root: number): number {
  let kb = 0;
  for (const pid of processTree(root)) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
    } catch {}
  }
  return kb / 1024;
}

/**
 * CPU used by each named reader (CPU seconds of some processes) from this call to the returned function's call,
 * and µs of it per message: where a scenario's time goes, on a machine everyone shares.
 */
export function cpuMeter(readers: Array<[string, () => number]>) {
  const start = new Map(readers.map(([name, read]) => [name, read()]));
  const t0 = Date.now();
  return (messages: number) => {
    const wall = (Date.now() - t0) / 1000;
    const perProcess: Record<string, { cpuSec: number; usPerMsg: number }> = {};
    let total = 0;
    for (const [name, read] of readers) {
      const used = read() - (start.get(name) ?? 0);
      total += used;
      perProcess[name] = { cpuSec: Math.round(used * 100) / 100, usPerMsg: Math.round((used * 1e6) / messages) };
    }
    return { wallSec: Math.round(wall * 100) / 100, cpuSec: Math.round(total * 100) / 100, coresBusy: Math.round((total / wall) * 100) / 100, perProcess };
  };
}

/** The Redis server's pid (for its CPU), from INFO. */
export const redisPidOf = async (redis: { info(section: string): Promise<string> }) => Number(/process_id:(\d+)/.exec(await redis.info("server"))?.[1] ?? 0);

/** `next start` of the build in the process's cwd on 127.0.0.1:`port`, as node arguments (the next of this checkout). */
export const nextStartArgs = (port: number) => [join(process.cwd(), "node_modules/next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"];

/** Whether `dir` holds a Next.js production build (`next build` writes .next/BUILD_ID last). */
export const hasNextBuild = (dir: string) => existsSync(join(dir, ".next", "BUILD_ID"));

/**
 * CPU seconds of every process with this command name (e.g. "postgres"): backends come and go, and one that ended
 * between two readings is not counted, so this undercounts a little.
 */
export const cpuOfCommand = (comm: string) =>
  readdirSync("/proc").reduce((total, d) => {
    const st = /^\d+$/.test(d) ? procStat(d) : null;
    return st?.comm === comm ? total + st.cpuSec : total;
  }, 0);
