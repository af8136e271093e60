import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { waitFor } from "../support/processes";
import { planeOf } from "@/server/dispatch/plane";
import { encodePrimitive } from "@/server/protocol/typed-values";
import { liveWorkers } from "@/server/operations/workers";
import { currentRegistryVersion } from "@/server/registry/registry-bus";

let env: DispatchEnv;

beforeAll(async () => {
  env = await createDispatchEnv();
  expect((await env.call("POST", "/api/v1/applications", { body: { name: "playground" } })).status).toBe(201);
  const module = readFileSync("examples/playground/module.yaml", "utf8").replaceAll("http://functions:8000/statefun", env.fns.url);
  const applied = await env.call("PUT", "/api/v1/applications/{app}/module", { params: { app: "playground" }, raw: module });
  expect(applied.status, applied.text).toBe(200);
  await env.startWorker();
});
afterAll(async () => env?.stop());

const person = (id: string) => ({ namespace: "example", type: "person", id });
const getState = (id: string, type = "person", namespace = "example") => env.call("GET", "/api/v1/state/{namespace}/{type}/{id}", { params: { namespace, type, id } });
const patch = (id: string, body: unknown) => env.call("PATCH", "/api/v1/state/{namespace}/{type}/{id}", { params: person(id), body });
const history = (id: string, query: Record<string, string> = {}) => env.call("GET", "/api/v1/state/{namespace}/{type}/{id}/history", { params: person(id), query });
const list = (query: Record<string, string>, type = "person") => env.call("GET", "/api/v1/state/{namespace}/{type}", { params: { namespace: "example", type }, query });

/** Greets and waits for this greeting's egress record; returns its text. */
async function greet(name: string): Promise<string> {
  const mine = async () => (await env.egressPayloads("playground")).filter((r) => r.payload.endsWith(` ${name}`) || r.payload.endsWith(` ${name}!`));
  const before = (await mine()).length;
  const res = await env.call("PUT", "/api/v1/ingress/{namespace}/{type}/{id}", {
    params: person(name),
    raw: JSON.stringify({ name }),
    contentType: "application/vnd.example/GreetRequest",
  });
  expect(res.status, res.text).toBe(202);
  const out = await waitFor(async () => {
    const all = await mine();
    return all.length > before ? all : null;
  }, 10_000);
  return out[out.length - 1].payload;
}

/** Until every live worker runs the current registry version (a pause or endpoint change has reached it). */
async function registryPropagated(): Promise<void> {
  const version = await currentRegistryVersion(env.ctx.redis, env.ctx.keys);
  await waitFor(async () => {
    const ws = await liveWorkers(env.ctx);
    return ws.length > 0 && ws.every((w) => w.registryVersion >= version);
  }, 10_000);
}

/** Every address of a listing, following the cursor. */
async function listAll(query: Record<string, string>): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const res = await list({ ...query, ...(cursor ? { cursor } : {}) });
    expect(res.status, res.text).toBe(200);
    out.push(...res.json.addresses);
    cursor = res.json.next ?? undefined;
    if (!cursor) return out;
  }
  throw new Error("listing did not end");
}

const visitsOf = (state: any) => state.values.find((v: any) => v.name === "visits");

describe("reading an address's state", () => {
  it("shows Bob's visits, decoded as an int, with the version of his commits", async () => {
    for (let i = 0; i < 3; i++) await greet("Bob");
    const res = await getState("Bob");
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ address: "example/person/Bob", namespace: "example", type: "person", id: "Bob", version: 3, leased: false, held: false, mailbox: { length: 0, head: [] } });
    expect(res.json.parked).toBeUndefined();
    expect(visitsOf(res.json)).toEqual(
      expect.objectContaining({ name: "visits", typename: "io.statefun.types/int", registered: true, present: true, kind: "primitive", value: 3, base64: Buffer.from(encodePrimitive("io.statefun.types/int", 3)).toString("base64") }),
    );
    expect(Date.parse(visitsOf(res.json).writtenAt)).toBeGreaterThan(Date.now() - 60_000);
    // example/greeter declares no state: the address exists (it got messages) with no values
    const greeter = await getState("Bob", "greeter");
    expect(greeter.status).toBe(200);
    expect(greeter.json.values).toEqual([]);
    expect(greeter.json.version).toBe(3);
  });

  it("answers 404 address-not-found for an address that never existed", async () => {
    const res = await getState("Nobody");
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe("address-not-found");
    expect(res.json.error.message).toContain("example/person/Nobody");
  });

  it("shows the mailbox head (first 10) and held=true while the application is paused", async () => {
    expect((await env.call("POST", "/api/v1/applications/{app}/pause", { params: { app: "playground" } })).status).toBe(200);
    // once the worker's registry has the pause, a message is held, not called
    await registryPropagated();
    for (let i = 0; i < 12; i++) {
      const res = await env.call("PUT", "/api/v1/ingress/{namespace}/{type}/{id}", { params: person("Held"), raw: JSON.stringify({ name: `Held`, n: i }), contentType: "application/vnd.example/GreetRequest" });
      expect(res.status).toBe(202);
    }
    const st = await waitFor(async () => {
      const r = await getState("Held");
      return r.json.held ? r.json : null;
    }, 10_000);
    expect(st.mailbox.length).toBe(12);
    expect(st.mailbox.head).toHaveLength(10);
    expect(st.mailbox.head[0]).toMatchObject({ typename: "example/GreetRequest", caller: null, kind: "json", value: { name: "Held", n: 0 } });
    expect(st.mailbox.head[9].value).toEqual({ name: "Held", n: 9 });
    expect(Date.parse(st.mailbox.head[0].enqueuedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(st.version).toBe(0);
    expect((await env.call("POST", "/api/v1/applications/{app}/resume", { params: { app: "playground" } })).status).toBe(200);
    await waitFor(async () => (await getState("Held")).json.mailbox.length === 0, 15_000);
    await waitFor(async () => (await env.egressPayloads("playground")).filter((r) => r.payload.includes("Held")).length === 12, 15_000);
    const after = (await getState("Held")).json;
    expect(visitsOf(after).value).toBe(12);
    expect(after.held).toBe(false);
  });

  it("shows every registered spec, absent ones without value or base64, expired ones with expiresAt in the past", async () => {
    const plane = planeOf(env.ctx);
    const r = await plane.registerSpecs("ttl/thing", [
      { name: "short", typename: "io.statefun.types/int", mode: "AFTER_WRITE", ms: 50 },
      { name: "lasting", typename: "io.statefun.types/long", mode: "AFTER_INVOKE", ms: 3_600_000 },
      { name: "basket", typename: "com.example/Basket", mode: "NONE", ms: 0 },
      { name: "never", typename: "io.statefun.types/string", mode: "NONE", ms: 0 },
    ]);
    expect("specs" in r).toBe(true);
    const res = await env.call("PATCH", "/api/v1/state/{namespace}/{type}/{id}", {
      params: { namespace: "ttl", type: "thing", id: "t1" },
      body: { expectedVersion: 0, set: { short: { value: 7 }, lasting: { value: "9007199254740993" }, basket: { typename: "com.example/Basket", value: { basket: { apple: 2 } } } } },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ address: "ttl/thing/t1", version: 1, audited: true });
    await new Promise((r) => setTimeout(r, 120));
    const st = (await getState("t1", "thing", "ttl")).json;
    const by = Object.fromEntries(st.values.map((v: any) => [v.name, v]));
    expect(Object.keys(by).sort()).toEqual(["basket", "lasting", "never", "short"]);
    expect(by.short).toMatchObject({ present: false, kind: "absent", expired: true, expireMode: "AFTER_WRITE", expireAfterMillis: 50 });
    expect(by.short.value).toBeUndefined();
    expect(by.short.base64).toBeUndefined();
    expect(Date.parse(by.short.expiresAt)).toBeLessThanOrEqual(Date.parse(st.readAt));
    expect(by.lasting).toMatchObject({ present: true, kind: "primitive", value: "9007199254740993", expireMode: "AFTER_INVOKE" });
    expect(Date.parse(by.lasting.expiresAt)).toBeGreaterThan(Date.now() + 3_000_000);
    expect(by.basket).toMatchObject({ present: true, kind: "json", value: { basket: { apple: 2 } } });
    expect(by.basket.expireMode).toBeUndefined();
    expect(by.never).toEqual({ name: "never", typename: "io.statefun.types/string", registered: true, present: false, kind: "absent" });
  });
});

describe("patching state", () => {
  it("sets visits; the next greeting counts from the patched value", async () => {
    const before = (await getState("Bob")).json;
    const res = await patch("Bob", { expectedVersion: before.version, set: { visits: { typename: "io.statefun.types/int", value: 9 } }, reason: "test" });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ address: "example/person/Bob", version: before.version + 1, audited: true });
    expect(res.json.seq).toBeGreaterThan(0);
    expect(visitsOf((await getState("Bob")).json).value).toBe(9);
    expect(await greet("Bob")).toBe("Nice to see you at the 10-nth time Bob!");
    const now = (await getState("Bob")).json;
    expect(visitsOf(now).value).toBe(10);
    expect(now.version).toBe(before.version + 2);

    const audit = await env.ctx.db.auditEvent.findFirst({ where: { action: "state.patch", target: "example/person/Bob" }, orderBy: { id: "desc" } });
    expect(audit).toBeTruthy();
    expect(audit!.before).toEqual({ version: before.version, values: { visits: { value: 3 } } });
    expect(audit!.after).toEqual({ version: before.version + 1, values: { visits: { value: 9 } }, reason: "test" });
    expect(audit!.actor).toBe("admin-token");
  });

  it("answers 409 version-conflict with the current state on a stale expectedVersion, and writes nothing", async () => {
    const cur = (await getState("Bob")).json;
    const res = await patch("Bob", { expectedVersion: cur.version - 1, set: { visits: { value: 100 } } });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("version-conflict");
    expect(res.json.error.message).toContain(`version ${cur.version}`);
    expect(res.json.error.details).toMatchObject({ expectedVersion: cur.version - 1, currentVersion: cur.version });
    expect(res.json.error.details.state.address).toBe("example/person/Bob");
    expect(visitsOf(res.json.error.details.state).value).toBe(10);
    expect((await getState("Bob")).json.version).toBe(cur.version);
    // a version from the future is just as stale
    expect((await patch("Bob", { expectedVersion: cur.version + 5, delete: ["visits"] })).status).toBe(409);
  });

  it("refuses unknown names, wrong typenames and bad values with a 400 that says what is wrong", async () => {
    const v = (await getState("Bob")).json.version;
    const unknown = await patch("Bob", { expectedVersion: v, set: { visitz: { value: 1 } } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.code).toBe("unknown-state");
    expect(unknown.json.error.message).toContain('"visitz"');
    expect(unknown.json.error.message).toContain("visits");
    expect(unknown.json.error.details.declared).toEqual(["visits"]);
    const unknownDelete = await patch("Bob", { expectedVersion: v, delete: ["nope"] });
    expect(unknownDelete.status).toBe(400);
    expect(unknownDelete.json.error.code).toBe("unknown-state");

    const wrongType = await patch("Bob", { expectedVersion: v, set: { visits: { typename: "io.statefun.types/long", value: 1 } } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.error.message).toContain("io.statefun.types/int");

    for (const bad of ["ten", 1.5, 2 ** 40, null, { n: 1 }]) {
      const res = await patch("Bob", { expectedVersion: v, set: { visits: { value: bad } } });
      expect(res.status, `${JSON.stringify(bad)}: ${res.text}`).toBe(400);
      expect(res.json.error.message).toMatch(/visits\.value: io\.statefun\.types\/int expects/);
    }
    const shapes = [
      { expectedVersion: v, set: { visits: { value: 1, base64: "AQ==" } } },
      { expectedVersion: v, set: { visits: {} } },
      { expectedVersion: v, set: { visits: { base64: "not base64!" } } },
      { expectedVersion: v },
      { expectedVersion: v, set: {}, delete: [] },
      { expectedVersion: v, set: { visits: { value: 1 } }, delete: ["visits"] },
      { expectedVersion: -1, delete: ["visits"] },
      { expectedVersion: "3", delete: ["visits"] },
      { set: { visits: { value: 1 } } },
      { expectedVersion: v, delete: "visits" },
    ];
    for (const body of shapes) {
      const res = await patch("Bob", body);
      expect(res.status, `${JSON.stringify(body)}: ${res.text}`).toBe(400);
      expect(res.json.error.message).toMatch(/\w{5,}/);
    }
    expect((await getState("Bob")).json.version).toBe(v);

    // a function type with no registered state cannot be patched
    const none = await env.call("PATCH", "/api/v1/state/{namespace}/{type}/{id}", { params: { namespace: "example", type: "greeter", id: "Bob" }, body: { expectedVersion: 3, set: { x: { value: 1 } } } });
    expect(none.status).toBe(400);
    expect(none.json.error.message).toContain("no registered state");
  });

  it("writes raw bytes from base64 and deletes; the function then sees the value absent", async () => {
    let v = (await getState("Bob")).json.version;
    const b64 = Buffer.from(encodePrimitive("io.statefun.types/int", 41)).toString("base64");
    const set = await patch("Bob", { expectedVersion: v, set: { visits: { base64: b64 } } });
    expect(set.status, set.text).toBe(200);
    expect(visitsOf((await getState("Bob")).json)).toMatchObject({ value: 41, base64: b64 });
    v = set.json.version;
    const del = await patch("Bob", { expectedVersion: v, delete: ["visits", "visits"] });
    expect(del.status, del.text).toBe(200);
    const st = (await getState("Bob")).json;
    expect(visitsOf(st)).toEqual({ name: "visits", typename: "io.statefun.types/int", registered: true, present: false, kind: "absent" });
    expect(await greet("Bob")).toBe("Welcome Bob");
  });
});

describe("history", () => {
  it("lists Bob's commits and patches newest first, with consumed messages, mutations and outgoing", async () => {
    const res = await history("Bob", { limit: "50" });
    expect(res.status, res.text).toBe(200);
    const commits = res.json.commits as any[];
    const cur = (await getState("Bob")).json.version;
    expect(commits.map((c) => c.version)).toEqual(Array.from({ length: cur }, (_, i) => cur - i));
    expect(res.json.next).toBeNull();
    const [last, del, set] = commits;
    expect(last).toMatchObject({ kind: "commit", consumed: 1, mutations: [{ name: "visits", op: "set", typename: "io.statefun.types/int", kind: "primitive", value: 1 }], outgoing: ["example/greeter/Bob"] });
    expect(del).toMatchObject({ kind: "patch", consumed: 0, mutations: [{ name: "visits", op: "delete" }], outgoing: [] });
    expect(set).toMatchObject({ kind: "patch", mutations: [{ name: "visits", op: "set", value: 41 }] });
    expect(set.summary.by).toBe("admin-token");
    const first = commits[commits.length - 1];
    expect(first).toMatchObject({ version: 1, kind: "commit", consumed: 1, mutations: [{ name: "visits", value: 1 }] });
    for (const c of commits) expect(Date.parse(c.at)).toBeGreaterThan(Date.now() - 120_000);
    expect(commits.map((c) => c.seq)).toEqual([...commits.map((c) => c.seq)].sort((a, b) => b - a));
  });

  it("pages with limit and before", async () => {
    const all = (await history("Bob", { limit: "200" })).json.commits.map((c: any) => c.version);
    const seen: number[] = [];
    let before: string | undefined;
    for (let i = 0; i < 20; i++) {
      const res = await history("Bob", { limit: "3", ...(before ? { before } : {}) });
      expect(res.status).toBe(200);
      expect(res.json.commits.length).toBeLessThanOrEqual(3);
      seen.push(...res.json.commits.map((c: any) => c.version));
      before = res.json.next ?? undefined;
      if (!before) break;
    }
    expect(seen).toEqual(all);
    expect((await history("Nobody")).status).toBe(404);
  });
});

describe("listing addresses", () => {
  it("pages through more addresses than the limit with a cursor, each exactly once, filtered by prefix", async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `page-${String(i).padStart(2, "0")}`);
    for (const id of [...ids, "pagex*y", "pagexAy", "other-1"]) {
      const res = await patch(id, { expectedVersion: 0, set: { visits: { value: 1 } } });
      expect(res.status, res.text).toBe(200);
    }
    // the listing reads the checkpoint, which the worker's checkpointer keeps within about a second of Redis
    await waitFor(async () => (await listAll({ prefix: "other-" })).length === 1, 10_000);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await list({ prefix: "page-", limit: "5", ...(cursor ? { cursor } : {}) });
      expect(res.status, res.text).toBe(200);
      expect(res.json.addresses.length).toBeLessThanOrEqual(5);
      for (const a of res.json.addresses) {
        expect(a).toMatchObject({ address: `example/person/${a.id}`, version: 1, parked: false });
        expect(Date.parse(a.updatedAt)).toBeGreaterThan(Date.now() - 60_000);
      }
      seen.push(...res.json.addresses.map((a: any) => a.id));
      cursor = res.json.next ?? undefined;
      pages++;
    } while (cursor && pages < 500);
    expect(cursor).toBeUndefined();
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual(ids); // sorted by id

    // glob characters in the prefix are literal
    const star = await listAll({ prefix: "pagex*" });
    expect(star.map((a: any) => a.id)).toEqual(["pagex*y"]);
    const everyone = await listAll({ limit: "500" });
    const all = everyone.map((a: any) => a.id);
    expect(all).toEqual(expect.arrayContaining(["Bob", "Held", "other-1", "pagexAy", ...ids]));
    expect(new Set(all).size).toBe(all.length);
    expect(everyone.find((a: any) => a.id === "Bob").version).toBe((await getState("Bob")).json.version);
    expect(await listAll({ prefix: "zzz" })).toEqual([]);
  });

  it("refuses a forged cursor or one from another listing with a 400", async () => {
    const first = await list({ prefix: "", limit: "1" });
    expect(first.json.next).toBeTruthy();
    const other = await list({ prefix: "other", cursor: first.json.next });
    expect(other.status).toBe(400);
    expect(other.json.error.message).toContain("cursor");
    for (const cursor of ["garbage", Buffer.from('{"s":0,"c":"x","f":1}').toString("base64url"), "%%%"]) {
      const res = await list({ cursor });
      expect(res.status, res.text).toBe(400);
    }
  });
});
