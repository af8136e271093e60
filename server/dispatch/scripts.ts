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
/** Called with the arguments, or with one array of them (a large call: no spread, so no call-stack limit). */
type Cmd = (...args: Arg[] | [Arg[]]) => Promise<unknown>;

export interface DataPlaneScripts {
  enqueue: Cmd;
  claim: Cmd;
  commit: Cmd;
  abandon: Cmd;
  park: Cmd;
  unpark: Cmd;
  hold: Cmd;
  unhold: Cmd;
  unwait: Cmd;
  reap: Cmd;
  extend: Cmd;
  fireTimers: Cmd;
  registerSpecs: Cmd;
  restore: Cmd;
  patch: Cmd;
}

/** `--- @include "name"` lines become lua/includes/name.lua (BullMQ's convention): shared helpers, one copy. */
const withIncludes = (lua: string) =>
  lua.replace(/^--- @include "([\w-]+)"$/gm, (_, name: string) => readFileSync(join(LUA_DIR, "includes", `${name}.lua`), "utf8"));

const camel = (s: string) => s.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

type Source = { name: string; keys: number; lua: string };
const sourceCache = new Map<string, Source[]>();

/** The scripts, with files of `overrideDir` (fault injection for negative-control tests) replacing same-named ones. */
function loadSources(overrideDir?: string): Source[] {
  const cacheKey = overrideDir ?? "";
  const hit = sourceCache.get(cacheKey);
  if (hit) return hit;
  const read = (dir: string) =>
    new Map(
      readdirSync(dir)
        .filter((f) => f.endsWith(".lua"))
        .map((f) => {
          const m = /^(.+)-(\d+)\.lua$/.exec(f);
          if (!m) throw new Error(`lua script ${f} must be named <transition>-<keys>.lua`);
          return [f, { name: camel(m[1]), keys: Number(m[2]), lua: withIncludes(readFileSync(join(dir, f), "utf8")) }] as const;
        }),
    );
  const all = read(LUA_DIR);
  if (overrideDir) for (const [f, s] of read(overrideDir)) all.set(f, s);
  const out = [...all.values()];
  sourceCache.set(cacheKey, out);
  return out;
}

const defined = new WeakMap<Redis, string>();

/** Defines the data-plane scripts on a client (createRedis does, before the client sends anything: see there). */
export function defineDataPlaneScripts(redis: Redis, overrideDir?: string): void {
  const tag = overrideDir ? "shx_" : "sh_";
  if (defined.get(redis) === tag) return;
  for (const s of loadSources(overrideDir)) redis.defineCommand(`${tag}${s.name}`, { numberOfKeys: s.keys, lua: s.lua });
  defined.set(redis, tag);
}

/** The scripts bound to one connection; `Buffer` variants return binary replies (mailbox entries, values). */
export function scriptsFor(redis: Redis, overrideDir?: string): { text: DataPlaneScripts; binary: DataPlaneScripts } {
  const sources = loadSources(overrideDir);
  const tag = overrideDir ? "shx_" : "sh_";
  defineDataPlaneScripts(redis, overrideDir);
  const r = redis as unknown as Record<string, Cmd>;
  const bind = (suffix: string) =>
    Object.fromEntries(
      // ioredis flattens an array argument into the command's arguments without spreading it onto the stack
      sources.map((s) => [s.name, (...args: Arg[] | [Arg[]]) => (r[`${tag}${s.name}${suffix}`] as unknown as (a: Arg[]) => Promise<unknown>)(args.length === 1 && Array.isArray(args[0]) ? args[0] : (args as Arg[]))]),
    ) as unknown as DataPlaneScripts;
  return { text: bind(""), binary: bind("Buffer") };
}
