/**
 * Savepoint import memory benchmark (`npm run bench:import -- [flags]`); prints one JSON document on stdout,
 * progress on stderr. Not a test. A fresh Postgres schema and Redis key prefix (tests/support/test-context),
 * dropped at the end.
 *
 * The web process: `next start` of a production build when one exists (`--next-dir`, default this checkout:
 * `.next/BUILD_ID`), else bench/support/route-host.ts, a node:http server serving the import route handler
 * module itself with the body streamed as Next streams it (no proxy, router or rendering: its idle RSS is lower
 * than Next's, the import's own memory the same). `--root DIR` hosts the route of another checkout of this
 * repository (e.g. an older commit, `git archive` to /tmp) to compare.
 *
 * For each size an NDJSON savepoint file is generated to /tmp (written line by line, never held), POSTed with
 * its Content-Length as curl would, and the web process's VmRSS (with its child processes) is read from
 * /proc every 50 ms from just before the request until the response. Figures per size: `idleRssMb` (just
 * before), `peakRssMb`, `peakAboveIdleMb`, `afterRssMb` (2 s after the response), `seconds`, `mbPerSec`.
 * Memory that does not grow with the file shows as the same `peakAboveIdleMb` for every size.
 *
 * Flags: --sizes 50,250 (MiB) · --server auto|next|host · --next-dir DIR · --root DIR · --keep-files
 */
import { createWriteStream, createReadStream, existsSync, statSync, unlinkSync } from "node:fs";
import { request } from "node:http";
import { join, resolve } from "node:path";
import { once } from "node:events";
import { parseArgs } from "node:util";

try {
  process.loadEnvFile();
} catch {}

const { values: flags } = parseArgs({
  options: {
    sizes: { type: "string", default: "50,250" },
    server: { type: "string", default: "auto" },
    "next-dir": { type: "string", default: process.cwd() },
    root: { type: "string", default: process.cwd() },
    "keep-files": { type: "boolean", default: false },
    "node-options": { type: "string", default: "" },
  },
});

const { setAppContext } = await import("../server/context");
const { halt, hasNextBuild, launch, nextStartArgs, rssMiB, tsx } = await import("./support/processes");
type Child = import("./support/processes").Child;
const { createTestContext } = await import("../tests/support/test-context");
const { apiClient } = await import("../tests/support/api-client");
const { freePort, waitFor } = await import("../tests/support/processes");

const log = (msg: string) => process.stderr.write(`[bench:import] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const r1 = (x: number) => Math.round(x * 10) / 10;
const MiB = 2 ** 20;
const APP = "imp";
const ROUTE = "/api/v1/applications/{app}/savepoints/import";

// ---------- the file ----------
const pad = (i: number) => String(i).padStart(9, "0");
const b64 = (n: number, seed: number) => Buffer.alloc(n, seed % 251).toString("base64");
const message = (id: string, caller: string | null, seed: number) => ({ id, enqueuedAt: 1_700_000_000_000 + seed, caller, typename: "imp/Cmd", base64: b64(48, seed) });
/** Address line i: two values (an int and a ~300-byte document); every 4th a mailbox message, every 10th a delayed message. */
function addressLine(i: number) {
  const address = `imp/thing/a${pad(i)}`;
  const t = `${address}@7#d0`;
  return {
    address,
    version: 7,
    invokedAt: 1_700_000_000_000 + i,
    values: [
      { name: "doc", typename: "imp/Doc", base64: b64(300, i), writtenAt: 1_700_000_000_000 + i },
      { name: "n", typename: "io.statefun.types/int", base64: b64(3, i), writtenAt: 1_700_000_000_000 + i },
    ],
    mailbox: i % 4 === 0 ? [message(`m-${pad(i)}`, null, i)] : [],
    timers: i % 10 === 0 ? [{ id: t, dueAt: 4_000_000_000_000, token: null, target: `imp/other/o${pad(i)}`, message: message(t, address, i) }] : [],
  };
}

/**
 * Writes a file of about `bytes` to `path`, a line at a time (with backpressure); its line count. `badLine`: that
 * line (numbered as in the file, the header is 1) holds an address id with a NUL.
 */
async function writeFile(path: string, bytes: number, badLine?: number): Promise<{ lines: number; bytes: number }> {
  const avg = Array.from({ length: 20 }, (_, i) => JSON.stringify(addressLine(i)).length + 1).reduce((a, b) => a + b) / 20;
  const n = Math.max(1, Math.round(bytes / avg));
  const count = (f: (i: number) => boolean) => Array.from({ length: n }, (_, i) => i).filter(f).length;
  const header = {
    format: "statehouse.savepoint",
    version: 1,
    application: APP,
    functionTypes: ["imp/thing"],
    cut: { seq: null, takenAt: null },
    savepoint: { id: "bench", label: `bench ${n} lines`, origin: "manual" },
    counts: { addresses: n, values: 2 * n, messages: count((i) => i % 4 === 0), timers: count((i) => i % 10 === 0) },
  };
  const out = createWriteStream(path);
  let buf = JSON.stringify(header) + "\n";
  for (let i = 0; i < n; i++) {
    buf += JSON.stringify(i + 2 === badLine ? { ...addressLine(i), address: "imp/thing/\u0000" } : addressLine(i)) + "\n";
    if (buf.length > MiB && !out.write(buf)) await once(out, "drain");
    if (buf.length > MiB) buf = "";
  }
  out.end(buf);
  await once(out, "finish");
  return { lines: n + 1, bytes: statSync(path).size };
}

// ---------- the web process's memory ----------
async function idleRss(pid: number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < 10; i++, await sleep(100)) xs.push(rssMiB(pid));
  return xs.sort((a, b) => a - b)[5];
}

/**
 * Sends the file with its Content-Length, as curl does. With `early`, resolves at the response (the upload may
 * still be under way; it is stopped), reporting how much of the file had been sent by then.
 */
function post(port: number, token: string, path: string, early = false): Promise<{ status: number; body: string; sentBytes: number }> {
  return new Promise((ok, fail) => {
    const file = createReadStream(path);
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: `/api/v1/applications/${APP}/savepoints/import`,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/x-ndjson", "content-length": statSync(path).size },
      },
      (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => {
          ok({ status: res.statusCode ?? 0, body, sentBytes: file.bytesRead });
          if (early) {
            file.destroy();
            req.destroy();
          }
        });
      },
    );
    req.on("error", fail);
    file.pipe(req);
  });
}

// ---------- setup ----------
const root = resolve(flags.root!);
const nextDir = resolve(flags["next-dir"]!);
const useNext = flags.server === "next" || (flags.server === "auto" && hasNextBuild(nextDir));
const nodeOptions: Record<string, string> = flags["node-options"] ? { NODE_OPTIONS: flags["node-options"] } : {};
const ctx = await createTestContext({ LOG_LEVEL: "warn", SAVEPOINT_RETAIN: "1" });
setAppContext(ctx);
const call = await apiClient(ctx.env.STATEHOUSE_ADMIN_TOKEN!);
const token = ctx.env.STATEHOUSE_ADMIN_TOKEN!;
const files: string[] = [];
const WARM = "/tmp/statehouse-import-warm.ndjson";
let web: Child | undefined;

/** A fresh web process, warmed up by one small import (route module loaded and compiled, a pool connection made). */
async function startWeb(): Promise<{ web: Child; port: number }> {
  const port = await freePort();
  const w = useNext
    ? launch("next", process.execPath, nextStartArgs(port), { ...ctx.childEnv, NEXT_TELEMETRY_DISABLED: "1", ...nodeOptions }, nextDir)
    : // the hosted tree's tsconfig maps its "@/…" imports
      launch("route-host", process.execPath, [...tsx("bench/support/route-host.ts"), String(port), join(root, "app/api/v1/applications/[app]/savepoints/import/route.ts"), ROUTE], {
        ...ctx.childEnv,
        TSX_TSCONFIG_PATH: join(root, "tsconfig.json"),
        ...nodeOptions,
      });
  web = w;
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}${ROUTE.replace("{app}", APP)}`, { method: "POST" }).catch(() => null))?.status, 120_000, 200).catch((e) => {
    throw new Error(`the web process did not come up: ${e}\n${w.tail()}`);
  });
  const r = await post(port, token, WARM);
  if (r.status !== 201) throw new Error(`warm-up import: ${r.status} ${r.body.slice(0, 500)}\n${w.tail()}`);
  await sleep(2_000);
  return { web: w, port };
}

try {
  log(`web process: ${useNext ? `next start (${nextDir})` : `route-host (${root})`}, a fresh one for each size`);
  const r = await call("POST", "/api/v1/applications", { body: { name: APP } });
  if (r.status !== 201) throw new Error(`create application: ${r.status} ${r.text}`);
  const m = await call("PUT", "/api/v1/applications/{app}/module", { params: { app: APP }, raw: "kind: io.statefun.endpoints.v2/http\nspec:\n  functions: imp/*\n  urlPathTemplate: http://127.0.0.1:9/statefun\n" });
  if (m.status !== 200) throw new Error(`apply module: ${m.status} ${m.text}`);
  files.push(WARM);
  await writeFile(WARM, 2 * MiB);

  const sizes = [];
  for (const mib of flags.sizes!.split(",").map(Number)) {
    const path = `/tmp/statehouse-import-${mib}mib.ndjson`;
    files.push(path);
    log(`writing ${path} (~${mib} MiB)`);
    const f = await writeFile(path, mib * MiB);
    const { web: w, port } = await startWeb();
    const pid = w.proc.pid!;
    const idle = await idleRss(pid);
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 50);
    log(`importing ${f.lines} lines, ${r1(f.bytes / MiB)} MiB (pid ${pid}, idle ${r1(idle)} MiB)`);
    const t0 = performance.now();
    const res = await post(port, token, path);
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, rssMiB(pid));
    if (res.status !== 201) throw new Error(`import of ${path}: ${res.status} ${res.body.slice(0, 1000)}\n${w.tail()}`);
    const sp = JSON.parse(res.body);
    await sleep(2_000);
    const after = rssMiB(pid);
    log(`${r1(seconds)} s, peak ${r1(peak)} MiB (+${r1(peak - idle)}), after ${r1(after)} MiB`);
    sizes.push({
      bytes: f.bytes,
      lines: f.lines,
      addresses: sp.addresses,
      seconds: r1(seconds),
      mbPerSec: r1(f.bytes / MiB / seconds),
      idleRssMb: r1(idle),
      peakRssMb: r1(peak),
      peakAboveIdleMb: r1(peak - idle),
      afterRssMb: r1(after),
    });
    await halt(w);
    if (!flags["keep-files"]) unlinkSync(path);
  }
  // refused early: a file of the largest size whose line 2 is bad is answered 400 before it is read
  const largest = Math.max(...flags.sizes!.split(",").map(Number));
  const badPath = `/tmp/statehouse-import-${largest}mib-bad.ndjson`;
  files.push(badPath);
  const bad = await writeFile(badPath, largest * MiB, 2);
  const { web: w, port } = await startWeb();
  const t0 = performance.now();
  const refused = await post(port, token, badPath, true).catch((e: Error) => ({ status: 0, body: String(e), sentBytes: NaN }));
  const refusal = {
    bytes: bad.bytes,
    status: refused.status,
    seconds: Math.round(performance.now() - t0) / 1000,
    sentBeforeAnswerMb: r1(refused.sentBytes / MiB),
    error: refused.status === 400 ? JSON.parse(refused.body).error.details.errors[0] : refused.body.slice(0, 300),
  };
  log(`refusal of line 2 of ${r1(bad.bytes / MiB)} MiB: ${JSON.stringify(refusal)}`);
  await halt(w);

  const out = {
    server: useNext ? "next start" : "route-host (the route handler module in node:http; no production build)",
    root,
    node: process.version,
    nodeOptions: flags["node-options"] || null,
    sizes,
    refusal,
    /** The largest file's peak above idle more than twice the smallest's (and over 20 MB): memory grows with the file. */
    growsWithFile: sizes.length > 1 ? sizes[sizes.length - 1].peakAboveIdleMb > 2 * Math.max(20, sizes[0].peakAboveIdleMb) : null,
  };
  console.log(JSON.stringify(out, null, 2));
} finally {
  log("stopping the web process; dropping the schema and the keys");
  if (web) await halt(web);
  if (!flags["keep-files"]) for (const f of files) if (existsSync(f)) unlinkSync(f);
  setAppContext(undefined);
  await ctx.cleanup();
}
