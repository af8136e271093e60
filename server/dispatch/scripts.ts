import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Redis } from "../redis";

/**
 * Every data-plane transition is one Lua script in ./lua, named `<transition>-<number of keys>.lua` (BullMQ's
 * convention), registered with ioredis `defineCommand` so it runs by EVALSHA with a fallback to EVAL.
 * Read relative to the working directory: the Next.js server bundle and tsx both run from the repo root.
 */
const LUA_DIR = join(process.cwd(), "server", "dispatch", "lua");

type Arg = string | number | Buffer;
type Cmd = (...args: Arg[]) => Promise<unknown>;

export interface DataPlaneScripts {
  enqueue: Cmd;
  claim: Cmd;
  commit: Cmd;
  abandon: Cmd;
  park: Cmd;
  unpark: Cmd;
  hold: Cmd;
  unhold: Cmd;
  reap: Cmd;
  extend: Cmd;
  fireTimers: Cmd;
  registerSpecs: Cmd;
  patch: Cmd;
}

const camel = (s: string) => s.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

let sources: Array<{ name: string; keys: number; lua: string }> | undefined;
function loadSources() {
  sources ??= readdirSync(LUA_DIR)
    .filter((f) => f.endsWith(".lua"))
    .map((f) => {
      const m = /^(.+)-(\d+)\.lua$/.exec(f);
      if (!m) throw new Error(`lua script ${f} must be named <transition>-<keys>.lua`);
      return { name: camel(m[1]), keys: Number(m[2]), lua: readFileSync(join(LUA_DIR, f), "utf8") };
    });
  return sources;
}

const defined = new WeakSet<Redis>();

/** The scripts bound to one connection; `Buffer` variants return binary replies (mailbox entries, values). */
export function scriptsFor(redis: Redis): { text: DataPlaneScripts; binary: DataPlaneScripts } {
  if (!defined.has(redis)) {
    for (const s of loadSources()) redis.defineCommand(`sh_${s.name}`, { numberOfKeys: s.keys, lua: s.lua });
    defined.add(redis);
  }
  const r = redis as unknown as Record<string, Cmd>;
  const bind = (suffix: string) =>
    Object.fromEntries(loadSources().map((s) => [s.name, (...args: Arg[]) => r[`sh_${s.name}${suffix}`](...args)])) as unknown as DataPlaneScripts;
  return { text: bind(""), binary: bind("Buffer") };
}
