import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessagingCommand } from "@/examples/functions/showcase";
import { createApiToken } from "@/server/auth/api-tokens";
import { globLiteral } from "@/server/state/timers";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { waitFor } from "../support/processes";
import { apiClient } from "../support/api-client";
import { showcaseModule } from "../support/fixtures/showcase-module";
import { applyModule, keysOf, sendJson, waitRegistrySynced } from "../support/fixtures/plane";

/**
 * GET /api/v1/state/{ns}/{type}/{id}/timers: the delayed messages an address sent that are still pending, read
 * from its own partition (where the sender's timers live) — exactly its own, whatever glob characters or `@` its
 * id holds and whoever else in the partition has timers pending.
 */
let env: DispatchEnv;

const MESSAGING = "showcase/messaging";
// Its id is a Redis glob: unescaped, `a*[x]` would also match `a-x`'s timers.
const A = "a*[x]";
let B = ""; // matches A's id as a glob, same partition
let C = ""; // A's address + "@…": its timer ids start with A's address and an '@', same partition

const messaging = (id: string, cmd: MessagingCommand) => sendJson(env, `${MESSAGING}/${id}`, "showcase/MessagingCommand", cmd);
const timers = (id: string, query: Record<string, string> = {}, call = env.call) =>
  call("GET", "/api/v1/state/{namespace}/{type}/{id}/timers", { params: { namespace: "showcase", type: "messaging", id }, query });
const version = async (id: string) => (await env.call("GET", "/api/v1/state/{namespace}/{type}/{id}", { params: { namespace: "showcase", type: "messaging", id } })).json?.version ?? 0;

beforeAll(async () => {
  env = await createDispatchEnv();
  await applyModule(env, "showcase", showcaseModule(env.fns.url));
  await env.startWorker();
  await waitRegistrySynced(env);
  const k = keysOf(env.ctx);
  const pA = k.partitionOf(`${MESSAGING}/${A}`);
  for (let i = 0; !B || !C; i++) {
    if (!B && k.partitionOf(`${MESSAGING}/a${"-".repeat(i + 1)}x`) === pA) B = `a${"-".repeat(i + 1)}x`;
    if (!C && k.partitionOf(`${MESSAGING}/${A}@${i}`) === pA) C = `${A}@${i}`;
  }
  const schedule = async (id: string, cmds: MessagingCommand[]) => {
    for (const [i, cmd] of cmds.entries()) {
      expect((await messaging(id, cmd)).status).toBe(202);
      await waitFor(async () => (await version(id)) === i + 1, 10_000);
    }
  };
  await schedule(A, [
    { op: "schedule", to: "box-later", label: "later", delayMs: 120_000, token: "tok-later" },
    { op: "schedule", to: "box-soon", label: "soon", delayMs: 60_000 },
  ]);
  await schedule(B, [{ op: "schedule", to: "box-b", label: "b", delayMs: 60_000 }]);
  await schedule(C, [{ op: "schedule", to: "box-c", label: "c", delayMs: 60_000 }]);
});
afterAll(async () => env?.stop());

describe("pending delayed messages of an address", () => {
  it("lists exactly the address's own, soonest first, with target, due time, token and the decoded message", async () => {
    const res = await timers(A);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ address: `${MESSAGING}/${A}`, complete: true, truncated: false });
    expect(res.json.timers.map((t: any) => t.value.label)).toEqual(["soon", "later"]);
    const [soon, later] = res.json.timers;
    expect(soon).toMatchObject({ id: `${MESSAGING}/${A}@1#d0`, target: "showcase/inbox/box-soon", token: null, typename: "showcase/InboxMessage", kind: "json" });
    expect(later).toMatchObject({ id: `${MESSAGING}/${A}@0#d0`, target: "showcase/inbox/box-later", token: "tok-later" });
    expect(Date.parse(soon.dueAt)).toBeGreaterThan(Date.now() + 30_000);
    expect(Date.parse(later.dueAt) - Date.parse(soon.dueAt)).toBeGreaterThan(30_000);
    expect(Buffer.from(soon.base64, "base64").length).toBe(soon.sizeBytes);
  });

  it("negative control: the partition holds the glob look-alike's and the '@' look-alike's timers, which a plain MATCH would return", async () => {
    const k = keysOf(env.ctx);
    const key = k.timers(k.partitionOf(`${MESSAGING}/${A}`));
    const scan = async (match: string) => (await env.ctx.redis.zscan(key, "0", "MATCH", match, "COUNT", 10_000))[1].filter((_, i) => i % 2 === 0);
    expect(await scan(`${MESSAGING}/${A}@*`)).toContain(`${MESSAGING}/${B}@0#d0`);
    expect(await scan(`${globLiteral(`${MESSAGING}/${A}`)}@*`)).toContain(`${MESSAGING}/${C}@0#d0`);
    expect((await timers(B)).json.timers.map((t: any) => t.target)).toEqual(["showcase/inbox/box-b"]);
    expect((await timers(C)).json.timers.map((t: any) => t.target)).toEqual(["showcase/inbox/box-c"]);
  });

  it("limit returns the soonest and says the list was cut", async () => {
    const res = await timers(A, { limit: "1" });
    expect(res.json.timers.map((t: any) => t.value.label)).toEqual(["soon"]);
    expect(res.json.truncated).toBe(true);
  });

  it("a cancelled delayed message leaves the list", async () => {
    expect((await messaging(A, { op: "cancel", token: "tok-later" })).status).toBe(202);
    await waitFor(async () => (await version(A)) === 3, 10_000);
    expect((await timers(A)).json.timers.map((t: any) => t.value.label)).toEqual(["soon"]);
  });

  it("is readable by a viewer, and an unknown address is a 404", async () => {
    const viewer = (await createApiToken(env.ctx, { kind: "admin-token", name: "admin-token", role: "admin" }, { name: "viewer", role: "viewer" })).token;
    const asViewer = await apiClient(viewer);
    expect((await timers(B, {}, asViewer)).status).toBe(200);
    const missing = await timers("nobody-here");
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("address-not-found");
  });
});
