/**
 * Address browser benchmark (`npm run bench:address-list -- [flags]`); prints one JSON document on stdout, progress
 * on stderr. Not a test. A fresh Postgres schema and Redis key prefix (tests/support/test-context), dropped at the end.
 *
 * The checkpoint is written straight into cp_address by COPY: `--addresses` (1,000,000) addresses of the listed type
 * `bench/user` and as many of `bench/usex`, a type whose addresses sort right after (same id distribution: 12 random
 * hex digits), each with one 64-byte value; plus 5 ids `zz-rare-<n>` (a prefix nothing else has, at the end of the
 * range), 2,000 addresses with queued messages only (cp_message rows, no cp_address row) and one of them with
 * 50,000 queued messages. Redis holds live metadata for every 20th address of the listed type, so the status
 * overlay reads real hashes (parked, in flight, scheduled, held, idle in turn).
 *
 * Measured, each `--reps` times (default 200) with limit 50, as the time inside listAddresses (server/state/list.ts:
 * the SQL, the Redis overlay and the checkpoint lag read — what the route adds is parsing and JSON):
 *   firstPage        no prefix, no cursor
 *   prefixCommon     a random 2-hex-digit prefix (~1/256 of the type: ~3,900 ids)
 *   prefixRare       "zz-rare-": 5 ids, after every other id of the type
 *   exactJump        id= an existing id drawn at random; exactJumpMissing: an id that does not exist
 *   page100          the 100th page, reached by following `next` 99 times from the first (every page of the walk is
 *                    in `everyPageOfWalk`); `--walks` (default 20) walks
 * then `http`: the same cases once each per repetition (`--http-reps`, default 50) through a real HTTP server
 * (bench/support/route-host.ts hosting the route module, with a viewer token: auth, zod, JSON), timed at the client.
 * `plans` holds EXPLAIN (ANALYZE, BUFFERS) of the first page's and a prefix's SQL at this size.
 *
 * Target (issue #15 item 3): p95 ≤ 50 ms for each case.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { parseArgs } from "node:util";

try {
  process.loadEnvFile();
} catch {}

const { values: flags } = parseArgs({
  options: {
    addresses: { type: "string", default: "1000000" },
    reps: { type: "string", default: "200" },
    walks: { type: "string", default: "20" },
    "http-reps": { type: "string", default: "50" },
  },
});
const N = Number(flags.addresses);
const REPS = Number(flags.reps);
const WALKS = Number(flags.walks);
const HTTP_REPS = Number(flags["http-reps"]);

const { setAppContext } = await import("../server/context");
const { createTestContext } = await import("../tests/support/test-context");
const { createApiToken } = await import("../server/auth/api-tokens");
const { listAddresses } = await import("../server/state/list");
const { pageQuery, prefixUpperBound } = await import("../server/state/address-index");
const { poolOf, closePool } = await import("../server/durability/pool");
const { planeOf } = await import("../server/dispatch/plane");
const { copyRows, pgArray } = await import("../server/pg");
const { encodeEntry } = await import("../server/dispatch/entries");
const { halt, launch, tsx } = await import("./support/processes");
const { freePort, waitFor } = await import("../tests/support/processes");

const log = (msg: string) => process.stderr.write(`[bench:address-list] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const r2 = (x: number) => Math.round(x * 100) / 100;
const LISTED = { namespace: "bench", type: "user" };
const OTHER = "bench/usex";
const FT = "bench/user";
const LIMIT = 50;

const hexId = (type: string, i: number) => createHash("md5").update(`${type}:${i}`).digest("hex").slice(0, 12);
const ids: string[] = Array.from({ length: N }, (_, i) => hexId(FT, i));

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  return { n: s.length, p50: r2(q(0.5)), p95: r2(q(0.95)), p99: r2(q(0.99)), max: r2(s[s.length - 1]), mean: r2(s.reduce((a, b) => a + b, 0) / s.length) };
}
const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];
const HEX = "0123456789abcdef";

const ctx = await createTestContext({ STATEHOUSE_PARTITIONS: "256" });
setAppContext(ctx);
const pool = poolOf(ctx);
let host: Awaited<ReturnType<typeof launch>> | null = null;

try {
  // ---------- the checkpoint ----------
  const t0 = performance.now();
  const value = pgArray([Buffer.alloc(64, 7)]);
  for (const [type, n] of [
    [FT, N],
    [OTHER, N],
  ] as const) {
    const c = await pool.connect();
    try {
      const CHUNK = 100_000;
      for (let from = 0; from < n; from += CHUNK) {
        const rows = function* () {
          for (let i = from; i < Math.min(n, from + CHUNK); i++) {
            const id = type === FT ? ids[i] : hexId(type, i);
            yield [`${type}/${id}`, type, 1 + (i % 7), 1_700_000_000_000 + i, i, "{n}", value, "{1700000000000}", 64];
          }
        };
        await copyRows(c, "cp_address", ["address", "function_type", "version", "updated_at", "seq", "value_names", "value_data", "value_written", "value_bytes"], rows());
      }
    } finally {
      c.release();
    }
    log(`${n} addresses of ${type} copied`);
  }
  const rare = Array.from({ length: 5 }, (_, i) => `zz-rare-${i}`);
  await pool.query(`INSERT INTO cp_address (address, function_type, version, updated_at) SELECT $1 || '/' || id, $1, 1, 1 FROM unnest($2::text[]) id`, [FT, rare]);
  // addresses with queued messages only, one with a long mailbox
  const entry = encodeEntry("m", 1_700_000_000_000, null, { typename: "bench/go", hasValue: true, value: Buffer.from("x") });
  {
    const c = await pool.connect();
    try {
      const msgs = function* () {
        for (let i = 0; i < 2000; i++) yield [`${FT}/${hexId("queued", i)}q`, FT, i, 0, entry];
        for (let j = 0; j < 50_000; j++) yield [`${FT}/${hexId("queued", 0)}q`, FT, 10_000 + j, 0, entry];
      };
      await copyRows(c, "cp_message", ["address", "function_type", "seq", "idx", "entry"], msgs());
    } finally {
      c.release();
    }
  }
  await pool.query(`VACUUM ANALYZE cp_address`);
  await pool.query(`VACUUM ANALYZE cp_message`);
  const loadSeconds = r2((performance.now() - t0) / 1000);
  log(`checkpoint loaded in ${loadSeconds} s`);

  // ---------- live metadata for every 20th listed address ----------
  const plane = planeOf(ctx);
  const k = plane.keys;
  const statuses = ["parked", "in-flight", "scheduled", "held", "idle"] as const;
  for (let from = 0; from < N; from += 20 * 5000) {
    const pipe = ctx.redis.pipeline();
    for (let i = from; i < Math.min(N, from + 20 * 5000); i += 20) {
      const address = `${FT}/${ids[i]}`;
      const p = k.partitionOf(address);
      const s = statuses[(i / 20) % statuses.length];
      pipe.hset(k.meta(p, address), "ver", String(1 + (i % 7)), "sch", s === "idle" ? "0" : "1", ...(s === "parked" ? ["pk", "1", "perr", "boom"] : []), ...(s === "in-flight" ? ["lease", "t:0"] : []));
      if (s === "held") pipe.hset(k.held(p), address, FT);
      if (s !== "idle") pipe.rpush(k.mailbox(p, address), entry);
      pipe.hset(k.state(p, address), "_i", String(1_700_000_100_000 + i));
    }
    await pipe.exec();
  }
  log("live metadata written");

  // keep a sample of the ids to jump to and let the rest go: two million strings held here would make this process's
  // garbage collection, not the listing, the tail of the measurement
  const sample = Array.from({ length: 10_000 }, () => pick(ids));
  ids.length = 0;
  const existing = () => pick(sample);
  const missing = () => `${pick(sample)}-`; // sorts right after an id; no id holds "-"
  const cases: Record<string, () => { prefix?: string; id?: string }> = {
    firstPage: () => ({}),
    prefixCommon: () => ({ prefix: pick([...HEX]) + pick([...HEX]) }),
    prefixRare: () => ({ prefix: "zz-rare-" }),
    exactJump: () => ({ id: existing() }),
    exactJumpMissing: () => ({ id: missing() }),
  };
  const timed = async <T>(f: () => Promise<T>): Promise<[number, T]> => {
    const s = performance.now();
    const r = await f();
    return [performance.now() - s, r];
  };

  // warm: the first calls compile the module's code paths and fill the pool and caches
  for (let i = 0; i < 20; i++) for (const c of Object.values(cases)) await listAddresses(ctx, LISTED, { ...c(), limit: LIMIT });

  const service: Record<string, ReturnType<typeof stats>> = {};
  const checks: Record<string, unknown> = {};
  for (const [name, make] of Object.entries(cases)) {
    const ms: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const q = make();
      const [t, page] = await timed(() => listAddresses(ctx, LISTED, { ...q, limit: LIMIT }));
      ms.push(t);
      if (i === 0)
        checks[name] = {
          rows: page.addresses.length,
          first: page.addresses[0]?.id ?? null,
          found: page.found,
          statuses: page.addresses.reduce<Record<string, number>>((m, a) => ((m[a.status] = (m[a.status] ?? 0) + 1), m), {}),
        };
    }
    service[name] = stats(ms);
    log(`${name}: p95 ${service[name].p95} ms`);
  }
  // the 100th page by cursor
  const page100: number[] = [];
  const walk: number[] = [];
  let page100Ids: string[] = [];
  for (let w = 0; w < WALKS; w++) {
    let cursor: string | undefined;
    for (let p = 1; p <= 100; p++) {
      const [t, page] = await timed(() => listAddresses(ctx, LISTED, { cursor, limit: LIMIT }));
      walk.push(t);
      if (p === 100) {
        page100.push(t);
        page100Ids = page.addresses.map((a) => a.id);
      }
      cursor = page.next ?? undefined;
    }
  }
  service.page100 = stats(page100);
  service.everyPageOfWalk = stats(walk);
  // the 100th page is the 4,951st to 5,000th ids in order (queued-only ids, "…q", included): ask Postgres which those are
  const want = (
    await pool.query<{ address: string }>(
      `SELECT address FROM (SELECT address FROM cp_address WHERE function_type = $1 UNION SELECT DISTINCT address FROM cp_message WHERE function_type = $1) u ORDER BY address COLLATE "C" OFFSET $2 LIMIT $3`,
      [FT, 99 * LIMIT, LIMIT],
    )
  ).rows.map((r) => r.address.slice(FT.length + 1));
  checks.page100 = { rows: page100Ids.length, equalsOffsetQuery: JSON.stringify(page100Ids) === JSON.stringify(want), first: page100Ids[0] };
  log(`page100: p95 ${service.page100.p95} ms`);

  // ---------- EXPLAIN at this size ----------
  const explain = async (range: Parameters<typeof pageQuery>[1]) => {
    const { sql, params } = pageQuery(FT, range, LIMIT + 1, false);
    return (await pool.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)).rows.map((r) => r["QUERY PLAN"]);
  };
  const lo = `${FT}/`;
  const plans = {
    firstPage: await explain({ ge: [lo], lt: [prefixUpperBound(lo)!] }),
    prefixCommon: await explain({ ge: [`${lo}a1`], lt: [prefixUpperBound(`${lo}a1`)!] }),
  };

  // ---------- through HTTP ----------
  const viewer = (await createApiToken(ctx, { kind: "admin-token", name: "bench", role: "admin" }, { name: "viewer", role: "viewer" })).token;
  const port = await freePort();
  const ROUTE = "/api/v1/state/{namespace}/{type}";
  host = launch("route-host", process.execPath, [...tsx("bench/support/route-host.ts"), String(port), join(process.cwd(), "app/api/v1/state/[namespace]/[type]/route.ts"), ROUTE], {
    ...ctx.childEnv,
    TSX_TSCONFIG_PATH: join(process.cwd(), "tsconfig.json"),
  });
  const url = (q: Record<string, string | undefined>) => {
    const u = new URL(`http://127.0.0.1:${port}/api/v1/state/bench/user`);
    for (const [key, v] of Object.entries(q)) if (v !== undefined) u.searchParams.set(key, v);
    u.searchParams.set("limit", String(LIMIT));
    return u;
  };
  const get = async (q: Record<string, string | undefined>) => {
    const res = await fetch(url(q), { headers: { authorization: `Bearer ${viewer}` } });
    const body = await res.json();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
    return body as { next: string | null };
  };
  await waitFor(async () => (await fetch(url({}), { headers: { authorization: `Bearer ${viewer}` } }).catch(() => null))?.status === 200, 120_000, 200).catch((e) => {
    throw new Error(`the route host did not come up: ${e}\n${host!.tail()}`);
  });
  for (let i = 0; i < 20; i++) for (const c of Object.values(cases)) await get(c());
  const http: Record<string, ReturnType<typeof stats>> = {};
  for (const [name, make] of Object.entries(cases)) {
    const ms: number[] = [];
    for (let i = 0; i < HTTP_REPS; i++) ms.push((await timed(() => get(make())))[0]);
    http[name] = stats(ms);
  }
  {
    const ms: number[] = [];
    for (let w = 0; w < Math.max(1, Math.round(WALKS / 4)); w++) {
      let cursor: string | undefined;
      for (let p = 1; p <= 100; p++) {
        const [t, page] = await timed(() => get({ cursor }));
        if (p === 100) ms.push(t);
        cursor = page.next ?? undefined;
      }
    }
    http.page100 = stats(ms);
  }
  log(`http: ${Object.entries(http).map(([n, s]) => `${n} p95 ${s.p95} ms`).join(", ")}`);

  const targetMs = 50;
  const measured = ["firstPage", "prefixCommon", "prefixRare", "exactJump", "exactJumpMissing", "page100"];
  console.log(
    JSON.stringify(
      {
        bench: "address-list",
        at: new Date().toISOString(),
        setup: {
          listedType: { functionType: FT, addresses: N + rare.length, messageOnlyAddresses: 2000, longestMailbox: 50_001 },
          otherType: { functionType: OTHER, addresses: N },
          liveInRedis: `every 20th listed address (${Math.ceil(N / 20)}), statuses ${statuses.join(", ")} in turn`,
          limit: LIMIT,
          reps: REPS,
          walks: WALKS,
          httpReps: HTTP_REPS,
          loadSeconds,
          partitions: ctx.env.STATEHOUSE_PARTITIONS,
        },
        unit: "ms",
        targetP95Ms: targetMs,
        pass: measured.every((m) => service[m].p95 <= targetMs && (http[m]?.p95 ?? 0) <= targetMs),
        service,
        http,
        checks,
        plans,
      },
      null,
      2,
    ),
  );
} finally {
  if (host) await halt(host);
  setAppContext(undefined);
  await closePool(ctx);
  await ctx.cleanup();
}
