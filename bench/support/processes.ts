import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
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

/** A process's command name and CPU seconds (user + system, all threads), from /proc/<pid>/stat; null once it is gone. */
function procStat(pid: number | string): { comm: string; cpuSec: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    return { comm: stat.slice(stat.indexOf("(") + 1, close), cpuSec: (Number(fields[11]) + Number(fields[12])) / 100 };
  } catch {
    return null;
  }
}

export const cpuOfPid = (pid: number) => procStat(pid)?.cpuSec ?? 0;

/**
 * CPU seconds of every process with this command name (e.g. "postgres"): backends come and go, and one that ended
 * between two readings is not counted, so this undercounts a little.
 */
export const cpuOfCommand = (comm: string) =>
  readdirSync("/proc").reduce((total, d) => {
    const st = /^\d+$/.test(d) ? procStat(d) : null;
    return st?.comm === comm ? total + st.cpuSec : total;
  }, 0);
