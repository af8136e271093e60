import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "@playwright/test";
import { startFunctionServer, type FunctionServer } from "../examples/functions/server";
import { ADMIN, ADMIN_TOKEN, deleteApplication, greeterModuleYaml, uniqueName } from "./helpers";
import { createPlaygroundApp } from "./playground-app";

/**
 * Issue #16 item 3: the `statehouse` binary (bin/statehouse.mjs, run as a child process) against the e2e server and
 * worker, with the official SDK's greeter behind an application of its own. Exit codes and outputs are what
 * scripts rely on, so both are asserted.
 */
const BIN = fileURLToPath(new URL("../bin/statehouse.mjs", import.meta.url));
const app = uniqueName("e2e-cli");
const run = Date.now().toString(36);
const bob = `cli-bob-${run}`;
const EGRESS = "io.statefun.playground/egress";

let functions: FunctionServer;
let dir: string;
let baseURL: string;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without the runner's STATEHOUSE_* (the test sets what each case needs) and its own profiles file. */
function envFor(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("STATEHOUSE_")) delete env[k];
  return Object.assign(env, { STATEHOUSE_CONFIG: join(dir, "config.json") }, extra);
}

function start(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env: envFor(env), stdio: ["pipe", "pipe", "pipe"] });
}

/** Runs the CLI to its end; `input` is written to its stdin (closed either way, as a script's pipe would be). */
function cli(args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<Result> {
  const child = start(args, opts.env);
  const out = { stdout: "", stderr: "" };
  child.stdout!.on("data", (d) => (out.stdout += d));
  child.stderr!.on("data", (d) => (out.stderr += d));
  child.stdin!.end(opts.input ?? "");
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, ...out })));
}

/** With the admin token from the environment, as a script would run it. */
const admin = (args: string[], input?: string) => cli(args, { env: { STATEHOUSE_URL: baseURL, STATEHOUSE_TOKEN: ADMIN_TOKEN }, input });

const json = <T>(r: Result): T => {
  expect(r.code, `exit code; stderr: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout) as T;
};

const visits = async (id: string): Promise<number | null> => {
  const r = await admin(["state", "get", `example/person/${id}`, "--json"]);
  if (r.code === 4) return null;
  const s = json<{ values: Array<{ name: string; value?: unknown }> }>(r);
  return (s.values.find((v) => v.name === "visits")?.value as number | undefined) ?? null;
};

const greet = async (id: string) => {
  const r = await admin(["send", `example/person/${id}`, JSON.stringify({ name: id }), "--type", "example/GreetRequest", "--json"]);
  expect(json<{ messageId: string }>(r).messageId).toBeTruthy();
};

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as { port: number }).port;
  await new Promise((ok) => server.close(ok));
  return port;
}

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ playwright }) => {
  baseURL = test.info().project.use.baseURL!;
  dir = await mkdtemp(join(tmpdir(), "statehouse-cli-"));
  functions = await startFunctionServer({ port: 0 });
  const api = await playwright.request.newContext({ baseURL });
  await createPlaygroundApp(api, app, functions.url);
  await api.dispose();
});

test.afterAll(async ({ playwright }) => {
  await functions?.close();
  const api = await playwright.request.newContext({ baseURL });
  await deleteApplication(api, app);
  await api.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("login saves a profile (mode 0600) that later commands use; --user logs in with a token, logout revokes it", async () => {
  const login = await cli(["login", "--url", baseURL, "--token", ADMIN_TOKEN, "--profile", "e2e"]);
  expect(login.code, login.stderr).toBe(0);
  expect(login.stdout).toContain(`Logged in to ${baseURL} as admin-token (admin); profile "e2e" saved`);
  const path = join(dir, "config.json");
  expect((await stat(path)).mode & 0o777).toBe(0o600);
  const saved = JSON.parse(await readFile(path, "utf8"));
  expect(saved).toMatchObject({ default: "e2e", profiles: { e2e: { url: baseURL, token: ADMIN_TOKEN, role: "admin" } } });

  // no URL or token given: both come from the saved profile
  const apps = json<{ applications: Array<{ name: string }> }>(await cli(["apps", "--json"]));
  expect(apps.applications.map((a) => a.name)).toContain(app);
  expect((await cli(["profiles"])).stdout).toMatch(/^\*\s+e2e\s+http/m);

  const pw = await cli(["login", "--user", ADMIN.username, "--password", ADMIN.password, "--profile", "pw", "--json"]);
  expect(json<{ credentials: string; tokenCreated: boolean; user: string }>(pw)).toMatchObject({ credentials: "token", tokenCreated: true, user: ADMIN.username });
  const pwProfile = JSON.parse(await readFile(path, "utf8")).profiles.pw;
  expect(pwProfile.token).toMatch(/^sh_/);
  expect(JSON.stringify(pwProfile)).not.toContain(ADMIN.password);
  expect((await cli(["apps", "--profile", "pw"])).code).toBe(0);
  const logout = await cli(["logout", "--profile", "pw"]);
  expect(logout.stdout).toContain('Removed profile "pw"; the API token login created was revoked.');
  // the revoked token no longer works (the server remembers a valid token for at most a second)
  await expect.poll(async () => (await cli(["apps", "--url", baseURL, "--token", pwProfile.token])).code, { timeout: 10_000 }).toBe(3);
});

test("STATEHOUSE_URL and STATEHOUSE_TOKEN from the environment; a flag beats them", async () => {
  const env = { STATEHOUSE_URL: baseURL, STATEHOUSE_TOKEN: ADMIN_TOKEN, STATEHOUSE_CONFIG: join(dir, "none.json") };
  const r = await cli(["apps", "get", app], { env });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain(`application: ${app}`);
  expect(r.stdout).toMatch(/example\/\*\s+http:\/\/127\.0\.0\.1:\d+\/statefun/);
  const flag = await cli(["apps", "--token", "not-the-token"], { env });
  expect(flag.code).toBe(3);
});

test("module diff and apply --dry-run change nothing; apply does; export prints the YAML", async () => {
  const before = await admin(["module", "export", app]);
  expect(before.code, before.stderr).toBe(0);
  expect(before.stdout).toContain("functions: example/*");
  expect(before.stdout).toContain(`urlPathTemplate: ${functions.url}`);
  expect(before.stdout).toContain("call: 2 min");

  // a 3 s call budget: a failing call parks its address quickly (the parked test below)
  const file = join(dir, "module.yaml");
  await writeFile(file, greeterModuleYaml(functions.url).replace(`urlPathTemplate: ${functions.url}`, `urlPathTemplate: ${functions.url}\n  transport:\n    call: 3 s`));
  const diff = await admin(["module", "diff", app, file]);
  expect(diff.code, diff.stderr).toBe(0);
  expect(diff.stdout).toContain("~ endpoint example/*");
  expect(diff.stdout).toContain('spec.transport.call: "2 min" → "3 s"');
  expect(diff.stdout).toContain("Dry run: nothing was applied.");
  const dry = json<{ applied: boolean; endpoints: { changed: unknown[] } }>(await admin(["module", "apply", app, file, "--dry-run", "--json"]));
  expect(dry).toMatchObject({ applied: false, endpoints: { changed: [expect.anything()] } });
  expect((await admin(["module", "export", app])).stdout).toContain("call: 2 min");

  const applied = json<{ applied: boolean }>(await admin(["module", "apply", app, file, "--json"]));
  expect(applied.applied).toBe(true);
  const exported = json<{ yaml: string }>(await admin(["module", "export", app, "--json"]));
  expect(exported.yaml).toContain("call: 3 s");
});

test("send one greeting: state get shows the greeter's state and egress tail the greeting; -f follows", async () => {
  await greet(bob);
  await expect.poll(() => visits(bob), { timeout: 20_000 }).toBe(1);
  const state = await admin(["state", "get", `example/person/${bob}`]);
  expect(state.stdout).toMatch(/visits\s+io\.statefun\.types\/int\s+1/);

  const tail = ["egress", "tail", EGRESS, "--application", app, "--topic", "greetings", "--limit", "100"];
  await expect.poll(async () => (await admin(tail)).stdout, { timeout: 20_000 }).toContain(`example/greeter/${bob}  Welcome ${bob}`);
  const records = (await admin([...tail, "--json"])).stdout.trim().split("\n").map((l) => JSON.parse(l) as { value: unknown });
  expect(records.map((r) => r.value)).toContain(`Welcome ${bob}`);

  const follow = start([...tail, "-f", "--limit", "1", "--interval", "200"], { STATEHOUSE_URL: baseURL, STATEHOUSE_TOKEN: ADMIN_TOKEN });
  let seen = "";
  follow.stdout!.on("data", (d) => (seen += d));
  const exited = new Promise<number | null>((ok) => follow.on("close", ok));
  await greet(bob);
  await expect.poll(() => seen, { timeout: 20_000 }).toContain(`Nice to see you again ${bob}`);
  follow.kill("SIGINT");
  expect(await exited).toBe(0);
});

test("send --ndjson: good lines accepted, a bad one reported by its line number (exit 1); state list finds them", async () => {
  const file = join(dir, "greetings.ndjson");
  const lines = Array.from({ length: 30 }, (_, i) => JSON.stringify({ target: `example/person/${run}-n${i}`, typename: "example/GreetRequest", value: { name: `${run}-n${i}` } }));
  await writeFile(file, [...lines, "not json"].join("\n") + "\n");
  const r = await admin(["send", "--ndjson", file, "--chunk", "7", "--json"]);
  expect(r.code).toBe(1);
  expect(JSON.parse(r.stdout)).toMatchObject({ lines: 31, requests: 5, accepted: 30, rejected: 1, rejectedLines: [{ line: 31 }] });
  expect(JSON.parse(r.stderr)).toMatchObject({ error: { code: "lines-rejected" }, exitCode: 1 });

  const list = async () => json<{ addresses: unknown[] }>(await admin(["state", "list", "example/person", "--prefix", `${run}-n`, "--limit", "100", "--json"])).addresses.length;
  await expect.poll(list, { timeout: 30_000 }).toBe(30);
});

test("state patch: a current version writes (history shows it), a stale one exits 5 with the API's message", async () => {
  const version = json<{ version: number }>(await admin(["state", "get", `example/person/${bob}`, "--json"])).version;
  const ok = await admin(["state", "patch", `example/person/${bob}`, "--set", "visits=41", "--expected-version", String(version)]);
  expect(ok.code, ok.stderr).toBe(0);
  expect(ok.stdout).toContain(`version ${version} → ${version + 1}`);
  const stale = await admin(["state", "patch", `example/person/${bob}`, "--set", "visits=7", "--expected-version", String(version)]);
  expect(stale.code).toBe(5);
  expect(stale.stderr).toContain(`statehouse: example/person/${bob} is at version ${version + 1}, not ${version}`);
  expect(await visits(bob)).toBe(41);
  const history = await admin(["state", "history", `example/person/${bob}`]);
  expect(history.stdout).toMatch(new RegExp(`^\\s*${version + 1}\\s+patch\\s.*visits=41`, "m"));
});

test("savepoint create --wait, list, diff, export -o, import --wait, rollback --yes --wait", async () => {
  test.setTimeout(120_000);
  const sp = json<{ id: string; status: string; addresses: number }>(await admin(["savepoint", "create", app, "--label", "cli", "--wait", "--json"]));
  expect(sp.status).toBe("complete");
  const list = await admin(["savepoint", "list", app]);
  expect(list.stdout).toMatch(new RegExp(`${sp.id}\\s+cli\\s+complete\\s+manual`));

  await greet(bob);
  await expect.poll(() => visits(bob), { timeout: 20_000 }).toBe(42);
  const changed = async () => json<{ entries: Array<{ address: string; change: string }> }>(await admin(["savepoint", "diff", sp.id, "--json"])).entries;
  await expect.poll(changed, { timeout: 20_000 }).toContainEqual(expect.objectContaining({ address: `example/person/${bob}`, change: "changed" }));
  expect((await admin(["savepoint", "diff", sp.id])).stdout).toContain(`~ example/person/${bob}  visits: 41 → 42`);

  const file = join(dir, "savepoint.ndjson");
  const exported = json<{ addresses: number; file: string }>(await admin(["savepoint", "export", sp.id, "-o", file, "--json"]));
  expect(exported).toMatchObject({ addresses: sp.addresses, file });
  const text = (await readFile(file, "utf8")).trim().split("\n");
  expect(JSON.parse(text[0])).toMatchObject({ format: "statehouse.savepoint", application: app });
  expect(text).toHaveLength(sp.addresses + 1);
  const imported = json<{ status: string; origin: string; addresses: number }>(await admin(["savepoint", "import", app, file, "--wait", "--json"]));
  expect(imported).toMatchObject({ status: "complete", origin: "import", addresses: sp.addresses });

  const refused = await admin(["savepoint", "rollback", sp.id]);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain("add --yes");
  const rolled = await admin(["savepoint", "rollback", sp.id, "--yes", "--wait"]);
  expect(rolled.code, rolled.stderr).toBe(0);
  expect(rolled.stdout).toContain(`Rolled ${app} back to ${sp.id}`);
  expect(await visits(bob)).toBe(41);
});

test("parked: an empty filter lists nothing; a failing call parks an address, skip --yes drops its message", async () => {
  test.setTimeout(90_000);
  const none = await admin(["parked", "list", "--error", `no such error ${run}`]);
  expect(none.code).toBe(0);
  expect(none.stdout.trim()).toBe("No parked address matches.");
  expect(json<{ parked: unknown[] }>(await admin(["parked", "--error", `no such error ${run}`, "--json"])).parked).toEqual([]);

  // example/person throws on a plain string; after the 3 s call budget the address parks
  const id = `cli-parked-${run}`;
  expect((await admin(["send", `example/person/${id}`, "not a GreetRequest"])).code).toBe(0);
  const parked = async () => json<{ parked: Array<{ address: string }> }>(await admin(["parked", "--function-type", "example/person", "--json", "--limit", "500"])).parked.map((p) => p.address);
  await expect.poll(parked, { timeout: 30_000 }).toContain(`example/person/${id}`);
  const skip = await admin(["parked", "skip", `example/person/${id}`, "--yes"]);
  expect(skip.code, skip.stderr).toBe(0);
  expect(skip.stdout).toContain(`Skipped example/person/${id}: dropped its head message (io.statefun.types/string: not a GreetRequest)`);
  expect((await admin(["parked", "resume", `example/person/${id}`])).code).toBe(5); // not parked any more
});

test("top --once --json prints one sample with per-type rates", async () => {
  const r = await admin(["top", "--once", "--json"]);
  const lines = r.stdout.trim().split("\n");
  expect(lines).toHaveLength(1);
  const sample = json<{ functionTypes: Array<{ functionType: string; perSecond: Record<string, number> }> }>({ ...r, stdout: lines[0] });
  const person = sample.functionTypes.find((f) => f.functionType === "example/person");
  expect(person?.perSecond).toEqual({ in: expect.any(Number), outLocal: expect.any(Number), outRemote: expect.any(Number), outEgress: expect.any(Number), remoteInvocationFailures: expect.any(Number) });
  expect((await admin(["top", "--iterations", "2", "--interval", "200", "--json"])).stdout.trim().split("\n")).toHaveLength(2);
});

test("exit codes: bad token 3, unknown address 4, connection refused 6, usage 2; errors are the API's message", async () => {
  const bad = await cli(["apps", "--url", baseURL, "--token", "wrong-token"]);
  expect(bad).toMatchObject({ code: 3, stdout: "" });
  expect(bad.stderr.trim()).toBe("statehouse: the bearer token is unknown or revoked");
  const badJson = await cli(["apps", "--url", baseURL, "--token", "wrong-token", "--json"]);
  expect(JSON.parse(badJson.stderr)).toEqual({ error: { code: "unauthenticated", message: "the bearer token is unknown or revoked", status: 401 }, exitCode: 3 });

  const missing = await admin(["state", "get", `example/person/nobody-${run}`]);
  expect(missing.code).toBe(4);
  expect(missing.stderr).toContain(`statehouse: example/person/nobody-${run} has no state`);

  const port = await closedPort();
  const refused = await cli(["apps", "--url", `http://127.0.0.1:${port}`, "--token", ADMIN_TOKEN]);
  expect(refused.code).toBe(6);
  expect(refused.stderr.trim()).toBe(`statehouse: cannot reach http://127.0.0.1:${port}: ECONNREFUSED`);

  for (const args of [["apps", "--bogus"], ["state", "get", "not-an-address"], ["send"], ["state", "patch", `example/person/${bob}`, "--set", "visits=1"]]) {
    const r = await admin(args);
    expect(r.code, args.join(" ")).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }
  expect((await cli(["--help"])).stdout).toContain("5  conflict (409)");
});

test("login --ingress-url: send goes to the lean ingress from then on (STATEHOUSE_INGRESS_URL beats it); an ingress that does not answer fails login with 6", async () => {
  const port = await closedPort();
  const ingressUrl = `http://127.0.0.1:${port}`;
  const login = ["login", "--url", baseURL, "--token", ADMIN_TOKEN, "--profile", "lean", "--ingress-url", ingressUrl];
  const down = await cli(login);
  expect(down.code).toBe(6);
  expect(down.stderr).toContain(`the ingress at ${ingressUrl} does not answer`);

  // the lean ingress process, as `npm run ingress` runs it, on the e2e servers' database and key prefix
  const ingress = spawn(process.execPath, ["--import", "tsx", "worker/ingress.ts"], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: {
      ...process.env,
      STATEHOUSE_REDIS_PREFIX: process.env.STATEHOUSE_REDIS_PREFIX || "e2e",
      STATEHOUSE_ADMIN_USER: ADMIN.username,
      STATEHOUSE_ADMIN_PASSWORD: ADMIN.password,
      STATEHOUSE_ADMIN_TOKEN: ADMIN_TOKEN,
      INGRESS_PORT: String(port),
    },
    stdio: "ignore",
  });
  const stopped = new Promise((ok) => ingress.on("close", ok));
  const id = `${bob}-lean`;
  const sendAs = (extra: string[] = [], env: Record<string, string> = {}) =>
    cli(["send", `example/person/${id}`, JSON.stringify({ name: id }), "--type", "example/GreetRequest", "--profile", "lean", ...extra], { env });
  try {
    await expect.poll(async () => (await fetch(`${ingressUrl}/healthz`).catch(() => null))?.status ?? 0, { timeout: 30_000 }).toBe(200);
    const saved = await cli([...login, "--json"]);
    expect(json<{ ingressUrl: string }>(saved).ingressUrl).toBe(ingressUrl);
    const sent = await sendAs();
    expect(sent.code, sent.stderr).toBe(0);
    await expect.poll(() => visits(id), { timeout: 20_000 }).toBe(1);
  } finally {
    ingress.kill("SIGTERM");
    await stopped;
  }
  // with the ingress gone the profile's send fails: it really went there; the flag and the environment beat the profile
  expect((await sendAs()).code).toBe(6);
  expect((await sendAs(["--ingress-url", baseURL])).code).toBe(0);
  expect((await sendAs([], { STATEHOUSE_INGRESS_URL: baseURL })).code).toBe(0);
  await expect.poll(() => visits(id), { timeout: 20_000 }).toBe(3);
});
