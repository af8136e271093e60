import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { api, type RouteSpec } from "../server/contracts/api";
import { EGRESS_ID, flakyApplication, readAddress, sendText, waitParked } from "./flaky-function";
import { ADMIN_TOKEN, shot, uniqueName } from "./helpers";
import { signIn } from "./sign-in";

/**
 * Journey (e), issue #15 item 9: a viewer can mutate nothing. Signed in as a viewer, every console page shows no
 * enabled control that would change anything; and every mutating route of the API contract, called with the
 * viewer's own session and CSRF token (what a page would send), answers 403.
 */
const flaky = flakyApplication("e2e-viewer", { broken: false });
const { app, namespace } = flaky;
const viewer = { username: uniqueName("viewer"), password: "viewer-password-123" };
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
let savepointId: string;
let endpointId: string;
let tokenId: string;

/** Accessible names of controls that change something; `…tail` (the egress tail's pause) only stops reading. */
const MUTATING =
  /^(save|delete|remove|send|resume|skip|take( a)? savepoint|roll ?back|undo|import|upload|create|revoke|register|re-?register|pause|disable|enable|apply|probe|re-?probe|edit|patch|drop|set password|move|restore|add|rename|confirm)\b/i;
const READ_ONLY = /\btail$/i;

async function adminPost(request: APIRequestContext, path: string, data: unknown) {
  const res = await request.post(path, { headers: admin, data });
  expect(res.status(), `${path}: ${await res.text()}`).toBeLessThan(300);
  return res.json();
}

test.beforeAll(async ({ request }) => {
  test.setTimeout(90_000);
  const fn = flaky.fn;
  await adminPost(request, "/api/v1/users", { ...viewer, role: "viewer" });
  // an address with state, a parked address, an egress record, a savepoint, a token: something to mutate on every page
  await sendText(request, ADMIN_TOKEN, fn.functionType, "alice", "hello");
  await expect.poll(async () => (await readAddress(request, ADMIN_TOKEN, fn.functionType, "alice"))?.version ?? 0, { timeout: 30_000 }).toBeGreaterThan(0);
  fn.broken = true;
  await sendText(request, ADMIN_TOKEN, fn.functionType, "stuck", "hello");
  await waitParked(request, ADMIN_TOKEN, fn.functionType, "stuck");
  savepointId = (await adminPost(request, `/api/v1/applications/${app}/savepoints`, { label: "viewer journey" })).id;
  await expect
    .poll(async () => (await (await request.get(`/api/v1/savepoints/${savepointId}`, { headers: admin })).json()).status, { timeout: 30_000 })
    .toBe("complete");
  endpointId = (await (await request.get(`/api/v1/applications/${app}`, { headers: admin })).json()).endpoints[0].id;
  tokenId = (await adminPost(request, "/api/v1/tokens", { name: uniqueName("e2e-revoke-me"), role: "operator" })).id;
});

test.afterAll(async ({ request }) => {
  if (tokenId) await request.delete(`/api/v1/tokens/${tokenId}`, { headers: admin });
  await request.patch(`/api/v1/users/${viewer.username}`, { headers: admin, data: { disabled: true } });
});

/** Visible, enabled buttons (and button-like inputs) with their accessible names, as the page shows them now. */
async function enabledButtons(page: Page): Promise<string[]> {
  return page.locator("button, [role=button], input[type=submit], input[type=button]").evaluateAll((els) =>
    els
      .filter((el) => {
        const e = el as HTMLButtonElement;
        const box = e.getBoundingClientRect();
        const visible = box.width > 0 && box.height > 0 && getComputedStyle(e).visibility !== "hidden";
        return visible && !e.disabled && e.getAttribute("aria-disabled") !== "true";
      })
      .map((el) => {
        const label = el.getAttribute("aria-label");
        const by = el.getAttribute("aria-labelledby");
        const named = by ? by.split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? "").join(" ") : null;
        return (label ?? named ?? ((el as HTMLElement).innerText || (el as HTMLInputElement).value || "")).replace(/\s+/g, " ").trim();
      }),
  );
}

async function settle(page: Page): Promise<void> {
  await expect(page.locator("h1").first()).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId("skeleton")).toHaveCount(0, { timeout: 15_000 });
  // lazily rendered controls (a row's actions after its data) get a moment to appear
  await page.waitForTimeout(750);
}

test("a viewer sees no mutating control on any page, and the API refuses every mutation with 403", async ({ page }) => {
  test.setTimeout(180_000);
  const fn = flaky.fn;
  const pages: Array<{ name: string; path: string; expectText?: string | RegExp }> = [
    { name: "overview", path: "/" },
    { name: "functions", path: "/functions" },
    { name: "function-type", path: `/functions/${encodeURIComponent(namespace)}/flaky` },
    { name: "address", path: `/functions/${encodeURIComponent(namespace)}/flaky/alice`, expectText: "alice" },
    { name: "applications", path: "/applications" },
    { name: "application", path: `/applications/${app}`, expectText: app },
    { name: "savepoints", path: `/applications/${app}/savepoints`, expectText: "viewer journey" },
    { name: "savepoint", path: `/savepoints/${savepointId}`, expectText: "viewer journey" },
    { name: "parked", path: `/parked?type=${encodeURIComponent(fn.functionType)}`, expectText: "stuck" },
    { name: "egress", path: `/egress?app=${app}&egress=${encodeURIComponent(EGRESS_ID)}`, expectText: "alice #1: hello" },
    { name: "audit", path: "/audit", expectText: "application.create" },
    { name: "admin-users", path: "/admin/users", expectText: "This page needs the admin role" },
    { name: "admin-tokens", path: "/admin/tokens", expectText: "This page needs the admin role" },
  ];
  const missing: string[] = [];
  const offending: string[] = [];

  await test.step("sign in as the viewer", async () => {
    await signIn(page, "/", viewer);
    await expect(page.getByText("Signed in as")).toContainText(viewer.username);
  });

  for (const p of pages) {
    await test.step(`${p.name}: ${p.path} shows no enabled mutating control`, async () => {
      await page.goto(p.path);
      if (await page.getByRole("heading", { name: "Page not found" }).isVisible()) {
        missing.push(p.path);
        await shot(page, `e-${p.name}-404`);
        return;
      }
      await settle(page);
      if (p.expectText) await expect(page.getByText(p.expectText).first()).toBeVisible({ timeout: 15_000 });
      await shot(page, `e-${p.name}`);
      const names = await enabledButtons(page);
      const bad = names.filter((n) => MUTATING.test(n) && !READ_ONLY.test(n));
      offending.push(...bad.map((n) => `${p.path}: "${n}"`));
      expect.soft(bad, `${p.path}: enabled mutating controls (of ${JSON.stringify(names)})`).toEqual([]);
      expect.soft(await page.locator("input[type=file]:visible").count(), `${p.path}: a visible file input (import)`).toBe(0);
    });
  }

  await test.step("the parked page tells the viewer why there is nothing to press", async () => {
    await page.goto(`/parked?type=${encodeURIComponent(fn.functionType)}`);
    await expect(page.getByText("resuming and skipping need the operator role")).toBeVisible();
    await expect(page.getByRole("button", { name: /^Resume/ })).toHaveCount(0);
  });

  await test.step("every mutating route of the API contract answers 403 to the viewer's session", async () => {
    const csrf = (await (await page.request.get("/api/v1/auth/session")).json()).csrfToken as string;
    expect(csrf).toBeTruthy();
    const params: Record<string, string> = {
      app,
      endpointId,
      namespace,
      type: "flaky",
      id: "alice",
      userId: viewer.username,
      tokenId,
      jobId: "00000000-0000-0000-0000-000000000000",
    };
    const bodies: Record<string, { data: string | object; type?: string }> = {
      createApplication: { data: { name: uniqueName("e2e-by-viewer") } },
      updateApplication: { data: { description: "changed by a viewer" } },
      createEndpoint: { data: { functions: `${namespace}/other`, urlPathTemplate: fn.url, skipProbe: true } },
      replaceEndpoint: { data: { functions: fn.functionType, urlPathTemplate: fn.url, skipProbe: true } },
      probeEndpoint: { data: { functionType: fn.functionType } },
      putModule: { data: "kind: io.statefun.playground.v1/egress\nspec:\n  port: 8091\n", type: "application/yaml" },
      probe: { data: { urlPathTemplate: fn.url, functionType: fn.functionType } },
      sendMessage: { data: "from a viewer", type: "text/plain" },
      putMessage: { data: "from a viewer", type: "text/plain" },
      sendBatch: { data: `${JSON.stringify({ target: `${fn.functionType}/alice`, typename: "io.statefun.types/string", value: "x" })}\n`, type: "application/x-ndjson" },
      patchState: { data: { expectedVersion: 1, delete: ["handled"] } },
      createSavepoint: { data: { label: "by a viewer" } },
      importSavepoint: { data: "", type: "application/x-ndjson" },
      createUser: { data: { username: uniqueName("by-viewer"), password: "password-123", role: "admin" } },
      updateUser: { data: { role: "admin" } },
      createToken: { data: { name: uniqueName("by-viewer"), role: "admin" } },
    };
    const routes = (Object.entries(api) as Array<[string, RouteSpec]>).filter(([, r]) => r.method !== "GET" && r.role !== null && r.role !== "viewer");
    expect(routes.length).toBeGreaterThan(20);
    const answers: string[] = [];
    for (const [name, r] of routes) {
      const path = r.path.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(params[k] ?? "x"));
      const b = bodies[name] ?? { data: {} };
      const res = await page.request.fetch(path, {
        method: r.method,
        headers: { "x-csrf-token": csrf, ...(b.type ? { "content-type": b.type } : {}) },
        data: b.data,
      });
      const body = await res.text();
      answers.push(`${r.method} ${r.path} → ${res.status()}`);
      expect.soft(res.status(), `${name} (${r.method} ${path}): ${body}`).toBe(403);
      if (res.status() === 403) expect.soft(JSON.parse(body).error.code, `${name}`).toBe("forbidden");
    }
    test.info().annotations.push({ type: "viewer-api", description: answers.join("; ") });
    console.log(`viewer journey: ${answers.length} mutating routes called with the viewer's session: ${answers.join("; ")}`);
  });

  await test.step("nothing changed: the viewer is still a viewer, the state and the parked address are as they were", async () => {
    const users = (await (await page.request.get("/api/v1/users", { headers: admin })).json()).users as Array<{ username: string; role: string }>;
    expect(users.find((u) => u.username === viewer.username)?.role).toBe("viewer");
    const alice = await readAddress(page.request, ADMIN_TOKEN, fn.functionType, "alice");
    expect(alice?.values.find((v) => v.name === "handled")?.value).toBe(1);
    expect((await readAddress(page.request, ADMIN_TOKEN, fn.functionType, "stuck"))?.parked).toBeTruthy();
  });

  await test.step("negative control: the viewer's session and CSRF token work for what a viewer may do (sign out)", async () => {
    const csrf = (await (await page.request.get("/api/v1/auth/session")).json()).csrfToken as string;
    const out = await page.request.post("/api/v1/auth/logout", { headers: { "x-csrf-token": csrf } });
    expect(out.status(), await out.text()).toBe(200);
    await shot(page, "e-last-signed-out");
  });

  console.log(`viewer journey: pages answering 404: ${missing.join(", ") || "none"}; enabled mutating controls: ${offending.join("; ") || "none"}`);
  test.info().annotations.push({ type: "missing-pages", description: missing.join(", ") || "none" });
  test.info().annotations.push({ type: "offending-controls", description: offending.join("; ") || "none" });
  expect(missing, "console pages that answered 404").toEqual([]);
});
