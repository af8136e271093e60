#!/usr/bin/env node
/**
 * `npm run demo`: the whole Statehouse stack on this machine without Docker, against Postgres and Redis on
 * localhost. Node built-ins only (it may run before `npm ci`).
 *
 *   npm run demo                  install if needed, migrate; build if stale while the data plane starts (functions,
 *                                 seed, worker, the lean ingress with the playground ports); then web and a gentle
 *                                 trickle of messages; prints the banner (scripts/banner.mjs). Ctrl-C stops everything
 *   npm run demo -- --no-trickle  the same without the trickle
 *   npm run demo -- --check       the same, then the playground habit (PUT a greeting on :8090, GET it on :8091),
 *                                 GET /api/health = 200, print "demo ok" with the seconds to the first greeting, stop
 *
 * This is a launcher, not the app: it reads process.env only to fill in the documented demo defaults below
 * and hands the result to its children, which parse it in server/env.ts.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { banner, DEMO_PASSWORD, DEMO_TOKEN, shownCredentials } from "./banner.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

const argv = process.argv.slice(2);
const CHECK = argv.includes("--check");
const TRICKLE = !argv.includes("--no-trickle");
const unknown = argv.filter((a) => a !== "--check" && a !== "--no-trickle");
if (unknown.length) {
  console.error(`demo: unknown argument ${unknown.join(" ")} (usage: npm run demo [-- --check] [-- --no-trickle])`);
  process.exit(2);
}

const isWin = process.platform === "win32";
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const step = (msg) => console.log(`${paint("1;36", "demo ▸")} ${msg}`);
const fail = (msg) => console.error(`${paint("1;31", "demo ✗")} ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Once shutting down, the step sequence must not go on: park it while shutdown() exits the process. */
const halt = () => new Promise(() => {});

// ---- demo defaults -------------------------------------------------------------------------------------

// DEMO DEFAULTS, for a local demo only. A value already in the environment (or in .env) wins.
const DEMO_DEFAULTS = {
  DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/statehouse",
  REDIS_URL: "redis://127.0.0.1:6379",
  STATEHOUSE_ADMIN_USER: "admin",
  STATEHOUSE_ADMIN_PASSWORD: DEMO_PASSWORD,
  STATEHOUSE_ADMIN_TOKEN: DEMO_TOKEN,
  STATEHOUSE_DEMO_FUNCTIONS_URL: "http://127.0.0.1:8000/statefun",
  PORT: "3000",
};

// The app loads .env itself; load it here first so the defaults below never shadow a value set there.
try {
  process.loadEnvFile();
} catch {}

const childEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" };
const defaulted = [];
for (const [k, v] of Object.entries(DEMO_DEFAULTS)) {
  if (!childEnv[k]) {
    childEnv[k] = v;
    defaulted.push(k);
  }
}
// The children's output reaches a terminal through this launcher's pipes: pretty log lines when ours is one.
if (!childEnv.LOG_FORMAT && process.stdout.isTTY) childEnv.LOG_FORMAT = "pretty";
const env = childEnv;
const webPort = Number(env.PORT);
const workerHealthPort = Number(env.WORKER_HEALTH_PORT || 9464);
const ingressPort = Number(env.INGRESS_PORT || 8080);
// The seeded module's playground ports (examples/playground/module.yaml), served by the ingress process.
const PLAYGROUND = { ingress: 8090, egress: 8091 };
const startedAt = Date.now();
const seconds = () => Math.round((Date.now() - startedAt) / 100) / 10;

function parseUrl(name, raw) {
  try {
    return new URL(raw);
  } catch {
    fail(`${name} is not a valid URL: ${raw}`);
    process.exit(1);
  }
}
const dbUrl = parseUrl("DATABASE_URL", env.DATABASE_URL);
const redisUrl = parseUrl("REDIS_URL", env.REDIS_URL);
const fnUrl = parseUrl("STATEHOUSE_DEMO_FUNCTIONS_URL", env.STATEHOUSE_DEMO_FUNCTIONS_URL);
const pg = { host: dbUrl.hostname || "127.0.0.1", port: Number(dbUrl.port || 5432) };
const redis = { host: redisUrl.hostname || "127.0.0.1", port: Number(redisUrl.port || 6379) };
const fn = { host: fnUrl.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1", port: Number(fnUrl.port || 80) };
const dbName = decodeURIComponent(dbUrl.pathname.slice(1));

// ---- child processes -----------------------------------------------------------------------------------

/** Long-running children, each in its own process group so the launcher alone decides when they stop. */
const services = [];
/** The one-shot command running right now (npm ci, migrate, build, seed), if any. */
let oneShot = null;
let stopping = false;

/**
 * Run a one-shot command; resolves to its exit code. Its output is inherited, or with `quiet` kept back and
 * shown only if it fails (the last line otherwise, e.g. "All migrations have been successfully applied.").
 */
function run(cmd, args, { quiet = false, ...opts } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit", env, shell: isWin, ...opts });
    oneShot = child;
    if (quiet) {
      const out = [];
      child.stdout.on("data", (d) => out.push(d));
      child.stderr.on("data", (d) => out.push(d));
      child.on("close", (code) => {
        const text = Buffer.concat(out).toString("utf8").trimEnd();
        if (code === 0) console.log(text.split("\n").at(-1));
        else if (text) console.error(text);
      });
    }
    child.on("error", (e) => {
      fail(`${cmd}: ${e.message}`);
      resolve(127);
    });
    child.on("close", (code, signal) => {
      oneShot = null;
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

async function mustRun(what, cmd, args, opts) {
  const code = await run(cmd, args, opts);
  if (stopping) return halt();
  if (code !== 0) {
    fail(`${what} failed (exit ${code})`);
    await shutdown(code || 1);
  }
}

const npm = isWin ? "npm.cmd" : "npm";
const COLORS = { functions: "35", worker: "33", web: "32", ingress: "34", build: "90", trickle: "36" };

function prefixLines(stream, label, out) {
  createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => out.write(`${label} ${line}\n`));
}

/**
 * Start a child with prefixed output. A service (the default) must not exit: if it does while we are not stopping,
 * everything stops. A task (`{ task: true }`, the build) may; its exit code resolves `svc.exit`.
 */
function startService(name, args, { task = false } = {}) {
  const label = paint(COLORS[name] ?? "0", `[${name}]`.padEnd(11));
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"], detached: !isWin });
  const svc = { name, child, exited: false, exit: null };
  svc.exit = new Promise((resolve) => {
    child.on("error", (e) => {
      fail(`${name}: ${e.message}`);
      svc.exited = true;
      resolve(127);
    });
    child.on("exit", (code, signal) => {
      svc.exited = true;
      resolve(code ?? 1);
      if (!stopping && !task) {
        fail(`${name} exited unexpectedly (${signal ?? `exit ${code}`}); stopping the rest`);
        void shutdown(code || 1);
      }
    });
  });
  prefixLines(child.stdout, label, process.stdout);
  prefixLines(child.stderr, label, process.stderr);
  services.push(svc);
  return svc;
}

function signalService(svc, sig) {
  if (svc.exited || !svc.child.pid) return;
  try {
    if (isWin) svc.child.kill(sig);
    else process.kill(-svc.child.pid, sig); // the whole group: nothing is left behind
  } catch {}
}

/** Stop every child (web and worker first, functions last), then exit with `code`. */
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  if (oneShot) oneShot.kill("SIGTERM");
  const running = services.filter((s) => !s.exited);
  const order = [...running].reverse(); // web and worker before the functions they call
  if (order.length) step(`stopping ${order.map((s) => s.name).join(", ")}`);
  for (const svc of order) signalService(svc, "SIGTERM");
  const all = Promise.all(running.map((s) => s.exit));
  const timedOut = await Promise.race([all.then(() => false), sleep(10_000).then(() => true)]);
  if (timedOut) {
    for (const svc of running) signalService(svc, "SIGKILL");
    await Promise.race([all, sleep(2_000)]);
  }
  process.exit(code);
}

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => void shutdown(0));
// Last resort (uncaught error, process.exit elsewhere): never leave a child running.
process.on("exit", () => {
  for (const svc of services) signalService(svc, "SIGKILL");
});

// ---- probes --------------------------------------------------------------------------------------------

/** Open a TCP connection, optionally write `hello`, resolve with the first chunk received (or "" if none asked). */
function probe({ host, port }, hello, timeoutMs = 2_000) {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (v) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(timeoutMs, () => done(null));
    sock.on("error", () => done(null));
    sock.on("connect", () => (hello ? sock.write(hello) : done("")));
    sock.on("data", (d) => done(d));
  });
}

// Postgres: an SSLRequest is answered with a single byte, 'S' or 'N', by any Postgres server.
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
async function postgresAnswers() {
  const r = await probe(pg, SSL_REQUEST);
  return !!r && (r[0] === 0x53 || r[0] === 0x4e);
}
// Redis: PING → +PONG, or -NOAUTH/-ERR if it wants a password (it answers either way).
async function redisAnswers() {
  const r = await probe(redis, "PING\r\n");
  return !!r && /^[+-]/.test(r.toString("latin1"));
}
const listening = async (target) => (await probe(target, null, 1_000)) !== null;

async function waitFor(what, check, timeoutMs, svc) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopping || svc?.exited) return false;
    if (await check()) return true;
    await sleep(300);
  }
  return false;
}

async function httpOk(url) {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    await r.arrayBuffer().catch(() => undefined);
    return r.status === 200;
  } catch {
    return false;
  }
}

function newestMtime(entries) {
  let newest = 0;
  const visit = (p) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const e of readdirSync(p)) if (e !== "node_modules" && e !== ".next" && !e.startsWith(".")) visit(path.join(p, e));
    } else newest = Math.max(newest, st.mtimeMs);
  };
  entries.forEach(visit);
  return newest;
}

// ---- steps ---------------------------------------------------------------------------------------------

async function main() {
  step(CHECK ? "Statehouse demo (check mode)" : "Statehouse demo");

  // 1. dependencies
  if (!existsSync("node_modules")) {
    step("node_modules missing: npm ci");
    await mustRun("npm ci", npm, ["ci", "--no-audit", "--no-fund"]);
  } else if (!existsSync("server/generated/prisma")) {
    step("Prisma client missing: npm run db:generate");
    await mustRun("prisma generate", npm, ["run", "-s", "db:generate"]);
  } else {
    step("dependencies present");
  }

  // 2. environment
  step(
    defaulted.length
      ? `demo defaults for unset ${defaulted.join(", ")} (database ${dbName || "?"} on ${pg.host}:${pg.port}, redis ${redis.host}:${redis.port})`
      : "configuration taken from the environment",
  );

  // 3. Postgres + Redis must answer
  const [pgUp, redisUp] = await Promise.all([postgresAnswers(), redisAnswers()]);
  if (!pgUp || !redisUp) {
    if (!pgUp) {
      const versions = existsSync("/etc/postgresql") ? readdirSync("/etc/postgresql").filter((v) => /^\d+$/.test(v)).sort((a, b) => a - b) : [];
      const ver = versions.at(-1) ?? "15";
      fail(`Postgres is not answering on ${pg.host}:${pg.port}. Start it, e.g.:`);
      console.error(`    pg_ctlcluster --skip-systemctl-redirect ${ver} main start`);
      console.error(`    (or: sudo systemctl start postgresql, or set DATABASE_URL to a reachable server)`);
    }
    if (!redisUp) {
      fail(`Redis is not answering on ${redis.host}:${redis.port}. Start it, e.g.:`);
      console.error(`    redis-server --daemonize yes${redis.port !== 6379 ? ` --port ${redis.port}` : ""}`);
      console.error(`    (or set REDIS_URL to a reachable server)`);
    }
    process.exit(1);
  }
  step(`Postgres (${pg.host}:${pg.port}) and Redis (${redis.host}:${redis.port}) answer`);

  // 4. database
  await ensureDatabase();

  // 5. migrations
  step("applying migrations: npm run db:deploy");
  await mustRun("npm run db:deploy", npm, ["run", "-s", "db:deploy"], { quiet: true });

  // 6. nothing else may hold our ports (or a stale demo would answer the health check)
  const ports = [
    { what: "web", host: "127.0.0.1", port: webPort, knob: "PORT" },
    { what: "functions", host: fn.host, port: fn.port, knob: "STATEHOUSE_DEMO_FUNCTIONS_URL" },
    { what: "worker health", host: "127.0.0.1", port: workerHealthPort, knob: "WORKER_HEALTH_PORT" },
    { what: "ingress", host: "127.0.0.1", port: ingressPort, knob: "INGRESS_PORT" },
    { what: "playground ingress", host: "127.0.0.1", port: PLAYGROUND.ingress, knob: "examples/playground/module.yaml" },
    { what: "playground egress", host: "127.0.0.1", port: PLAYGROUND.egress, knob: "examples/playground/module.yaml" },
  ];
  const busy = [];
  for (const p of ports) if (await listening(p)) busy.push(p);
  if (busy.length) {
    for (const p of busy) fail(`port ${p.port} (${p.what}) is already in use on ${p.host}; stop that process or change ${p.knob}`);
    process.exit(1);
  }

  // 7. the build, only when stale, runs while the data plane starts: the playground works before the console does
  const tsx = ["--import", "tsx"]; // node itself runs the file: the PID we signal is the process (stack.md P17)
  const buildId = ".next/BUILD_ID";
  const sources = ["app", "server", "components", "lib", "public", "styles", "next.config.js", "next.config.mjs",
    "next.config.ts", "tsconfig.json", "package.json", "package-lock.json", "postcss.config.mjs"];
  const builtAt = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
  let build = null;
  if (!builtAt || newestMtime(sources) > builtAt) {
    step(builtAt ? "sources changed since the last build: next build (in the background)" : "no build yet: next build (in the background)");
    build = startService("build", ["node_modules/next/dist/bin/next", "build"], { task: true });
  } else {
    step("build is up to date (.next/BUILD_ID newer than every source file)");
  }

  // 8. functions, seed, worker, ingress
  step(`starting functions on ${fn.host}:${fn.port}`);
  const functions = startService("functions", [...tsx, "examples/functions/server.ts", "--port", String(fn.port), "--host", fn.host]);
  if (!(await waitFor("functions", () => listening(fn), 60_000, functions))) {
    if (!stopping) fail(`functions did not start listening on ${fn.host}:${fn.port} within 60 s`);
    return shutdown(1);
  }
  step("seeding (admin user + demo application): npm run seed");
  await mustRun("npm run seed", npm, ["run", "-s", "seed"]);
  step(`starting worker (health on :${workerHealthPort}) and ingress (:${ingressPort}, playground :${PLAYGROUND.ingress}/:${PLAYGROUND.egress})`);
  startService("worker", [...tsx, "worker/index.ts"]);
  const ingress = startService("ingress", [...tsx, "worker/ingress.ts"]);
  const playgroundUp = () => Promise.all([listening({ host: "127.0.0.1", port: PLAYGROUND.ingress }), listening({ host: "127.0.0.1", port: PLAYGROUND.egress })]).then((r) => r.every(Boolean));
  if (!(await waitFor("ingress", playgroundUp, 60_000, ingress))) {
    if (!stopping) fail(`the ingress did not open the playground ports ${PLAYGROUND.ingress}/${PLAYGROUND.egress} within 60 s`);
    return shutdown(1);
  }
  step(`data plane up in ${seconds()} s: the playground answers on :${PLAYGROUND.ingress} and :${PLAYGROUND.egress}${build ? " (the console follows when the build is done)" : ""}`);
  const firstGreeting = CHECK ? await playgroundHabit() : null;
  if (TRICKLE) {
    startService("trickle", [...tsx, "examples/trickle.ts", "--ingress", `http://127.0.0.1:${PLAYGROUND.ingress}`, "--egress", `http://127.0.0.1:${PLAYGROUND.egress}`]);
  }

  // 9. web, once built
  if (build) {
    const code = await build.exit;
    if (stopping) return;
    if (code !== 0) {
      fail(`next build failed (exit ${code})`);
      return shutdown(code || 1);
    }
  }
  step(`starting web (http://127.0.0.1:${webPort})`);
  startService("web", ["node_modules/next/dist/bin/next", "start", "-p", String(webPort), "-H", "127.0.0.1"]);
  const healthUrl = `http://127.0.0.1:${webPort}/api/health`;
  const healthy = await waitFor("web", () => httpOk(healthUrl), 90_000);
  if (stopping) return;
  if (!healthy) {
    fail(`${healthUrl} did not answer 200 within 90 s`);
    if (CHECK) return shutdown(1);
  }

  // 10. the banner
  console.log(
    banner({
      host: "localhost", webPort, ingressPort, playgroundIngress: PLAYGROUND.ingress, playgroundEgress: PLAYGROUND.egress,
      user: env.STATEHOUSE_ADMIN_USER, ...shownCredentials(env), cli: "npx statehouse", playgroundToken: !!env.PLAYGROUND_TOKEN, color,
    }),
  );
  step(`console up in ${seconds()} s`);

  if (CHECK) {
    console.log(`demo ok: first greeting "${firstGreeting.text}" ${firstGreeting.at} s after start; console ${seconds()} s`);
    return shutdown(0);
  }
  step("running; press Ctrl-C to stop");
}

/** --check: the StateFun playground's two README commands, as a user types them (with a name of its own). */
async function playgroundHabit() {
  const name = `check-${process.pid}`;
  const auth = env.PLAYGROUND_TOKEN ? { authorization: `Bearer ${env.PLAYGROUND_TOKEN}` } : {};
  const put = await fetch(`http://127.0.0.1:${PLAYGROUND.ingress}/example/person/${name}`, {
    method: "PUT",
    headers: { "content-type": "application/vnd.example/GreetRequest", ...auth },
    body: JSON.stringify({ name }),
  }).catch((e) => ({ status: 0, text: async () => e.message }));
  if (put.status !== 200) {
    fail(`PUT :${PLAYGROUND.ingress}/example/person/${name} answered ${put.status}: ${await put.text()}`);
    return shutdown(1);
  }
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !stopping) {
    const got = await fetch(`http://127.0.0.1:${PLAYGROUND.egress}/greetings`, { headers: auth }).catch(() => null);
    const text = got ? await got.text() : "";
    if (got?.status === 200) {
      if (text !== `Welcome ${name}`) {
        step(`popped an older greeting first (a Redis kept from an earlier run): "${text}"`);
        continue;
      }
      step(`first greeting popped from :${PLAYGROUND.egress}/greetings ${seconds()} s after start: "${text}"`);
      return { text, at: seconds() };
    }
    await sleep(200);
  }
  fail(`no greeting on :${PLAYGROUND.egress}/greetings within 60 s`);
  return shutdown(1);
}

async function ensureDatabase() {
  if (!dbName) {
    fail("DATABASE_URL names no database");
    process.exit(1);
  }
  const psqlEnv = {
    ...env,
    PGHOST: pg.host,
    PGPORT: String(pg.port),
    PGUSER: decodeURIComponent(dbUrl.username) || "postgres",
    PGDATABASE: "postgres",
    PGCONNECT_TIMEOUT: "5",
  };
  if (dbUrl.password) psqlEnv.PGPASSWORD = decodeURIComponent(dbUrl.password);
  const sslmode = dbUrl.searchParams.get("sslmode");
  if (sslmode) psqlEnv.PGSSLMODE = sslmode;

  const psql = (sql) =>
    new Promise((resolve) => {
      let out = "";
      let err = "";
      const c = spawn("psql", ["-X", "-v", "ON_ERROR_STOP=1", "-Atqc", sql], { env: psqlEnv, stdio: ["ignore", "pipe", "pipe"] });
      c.stdout.on("data", (d) => (out += d));
      c.stderr.on("data", (d) => (err += d));
      c.on("error", (e) => resolve({ code: e.code === "ENOENT" ? "ENOENT" : 1, out, err: e.message }));
      c.on("exit", (code) => resolve({ code, out: out.trim(), err: err.trim() }));
    });

  const lit = dbName.replace(/'/g, "''");
  const exists = await psql(`SELECT 1 FROM pg_database WHERE datname = '${lit}'`);
  if (exists.code === "ENOENT") {
    step(`psql not found: cannot check database "${dbName}"; create it yourself if missing (createdb -h ${pg.host} -p ${pg.port} ${dbName})`);
    return;
  }
  if (exists.code !== 0) {
    step(`could not check database "${dbName}" with psql (${exists.err.split("\n")[0]}); continuing, migrations will tell`);
    return;
  }
  if (exists.out === "1") {
    step(`database "${dbName}" exists`);
    return;
  }
  const created = await psql(`CREATE DATABASE "${dbName.replace(/"/g, '""')}"`);
  if (created.code !== 0) {
    fail(`could not create database "${dbName}": ${created.err}`);
    process.exit(1);
  }
  step(`database "${dbName}" created`);
}

main().catch((e) => {
  fail(e?.stack ?? String(e));
  void shutdown(1);
});
