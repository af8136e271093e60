import { writeFile } from "node:fs/promises";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { startFunctionServer, type FunctionServer } from "../examples/functions/server";
import { ADMIN_TOKEN, deleteApplication, expectAccessibleAndNarrow, loginInBrowser, shot, uniqueName } from "./helpers";
import { createPlaygroundApp } from "./playground-app";

/**
 * Journey (c) of issue #15: take a savepoint in the browser, change state through the API, read the diff in the
 * page, roll back (typed confirmation, live phases), verify the state is back, undo, verify it is forward again.
 * The greeter's example/person counts visits per name in state "visits" (examples/functions/greeter.ts).
 */
let functions: FunctionServer;
const app = uniqueName("e2e-sp");
const run = Date.now().toString(36);
const alice = `sp-alice-${run}`;
const bob = `sp-bob-${run}`;
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

async function greet(request: APIRequestContext, name: string): Promise<void> {
  const res = await request.post(`/api/v1/ingress/example/person/${name}`, {
    headers: { ...auth, "Content-Type": "application/vnd.example/GreetRequest" },
    data: Buffer.from(JSON.stringify({ name })),
  });
  expect(res.status(), await res.text()).toBe(202);
}

/** example/person/<name>'s "visits", or null when the address holds none. */
async function visits(request: APIRequestContext, name: string): Promise<number | null> {
  const res = await request.get(`/api/v1/state/example/person/${name}`, { headers: auth });
  if (res.status() === 404) return null;
  expect(res.status(), await res.text()).toBe(200);
  const body = (await res.json()) as { values: Array<{ name: string; present?: boolean; value?: unknown }> };
  const v = body.values.find((x) => x.name === "visits");
  return v && v.present !== false && typeof v.value === "number" ? v.value : null;
}

async function mailbox(request: APIRequestContext, address: string): Promise<number> {
  const res = await request.get(`/api/v1/state/${address}`, { headers: auth });
  if (res.status() === 404) return 0;
  expect(res.status(), await res.text()).toBe(200);
  return ((await res.json()) as { mailbox: { length: number } }).mailbox.length;
}

const expectVisits = (request: APIRequestContext, name: string, n: number | null) =>
  expect.poll(() => visits(request, name), { timeout: 20_000, message: `visits of ${name}` }).toBe(n);

test.beforeAll(async ({ playwright }) => {
  functions = await startFunctionServer({ port: 0 });
  const api = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  await createPlaygroundApp(api, app, functions.url);
  await api.dispose();
});

test.afterAll(async ({ playwright }) => {
  await functions?.close();
  const api = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  await deleteApplication(api, app);
  await api.dispose();
});

test("take a savepoint, change state, read the diff, roll back, verify, undo", async ({ page, request }) => {
  test.setTimeout(180_000);

  await test.step("state before: alice has visited once", async () => {
    await greet(request, alice);
    await expectVisits(request, alice, 1);
    // and the greeting person sent on has been consumed: no message in flight at the cut, so a rollback onto the
    // savepoint leaves nothing to re-deliver and live state can equal it exactly
    await expect.poll(() => mailbox(request, `example/greeter/${alice}`), { timeout: 20_000 }).toBe(0);
  });

  await test.step("open the application's savepoints", async () => {
    await loginInBrowser(page);
    await page.goto(`/applications/${app}`);
    await page.getByRole("link", { name: "Savepoints", exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/applications/${app}/savepoints$`));
    await expect(page.getByRole("heading", { level: 1, name: "Savepoints" })).toBeVisible();
    await expect(page.getByText(`No savepoints of ${app} yet.`)).toBeVisible();
    await shot(page, "01-savepoints-empty");
  });

  const label = `before bob ${run}`;
  await test.step("take a savepoint with a label and watch it complete", async () => {
    const take = page.locator("section", { has: page.getByRole("heading", { name: "Take a savepoint" }) });
    await take.getByLabel("Label").fill(label);
    await take.getByRole("button", { name: "Take savepoint" }).click();
    await expect(take.getByRole("link", { name: label })).toBeVisible({ timeout: 30_000 });
    await expect(take.getByText(/taken in .*addresses/)).toBeVisible();
    const row = page.getByRole("row", { name: new RegExp(`^${label}`) });
    await expect(row.getByText("Complete")).toBeVisible();
    await expect(row.getByRole("cell", { name: "Full" })).toBeVisible();
    await shot(page, "02-savepoint-taken");
  });

  await expectAccessibleAndNarrow(page, "03-savepoints-page");

  await test.step("change state through the API: alice visits twice more, bob arrives", async () => {
    await greet(request, alice);
    await greet(request, alice);
    await greet(request, bob);
    await expectVisits(request, alice, 3);
    await expectVisits(request, bob, 1);
  });

  await test.step("read the diff against live state in the page", async () => {
    await page.getByRole("link", { name: label }).first().click();
    await expect(page).toHaveURL(/\/savepoints\/[0-9a-f-]{36}$/);
    await expect(page.getByRole("heading", { level: 1, name: label })).toBeVisible();
    await expect(page.getByRole("link", { name: "Download (NDJSON)" })).toHaveAttribute("href", /\/api\/v1\/savepoints\/[0-9a-f-]{36}\/export$/);
    await expect(page.getByLabel("Compare this savepoint with")).toHaveValue("live");
    await page.getByRole("button", { name: "Compare", exact: true }).click();
    await expect(page).toHaveURL(/\?against=live$/);
    const counts = page.getByRole("list", { name: "Differences" });
    await expect(counts.getByText(/added/)).toContainText(/[1-9]/);
    await expect(counts.getByText(/changed/)).toContainText(/[1-9]/);

    const aliceRows = page.locator("tbody", { has: page.getByRole("link", { name: `example/person/${alice}`, exact: true }) });
    await expect(aliceRows.getByText("changed", { exact: true }).first()).toBeVisible();
    const aliceVisits = aliceRows.getByRole("row", { name: /visits/ });
    await expect(aliceVisits.getByRole("cell").nth(1)).toHaveText("1");
    await expect(aliceVisits.getByRole("cell").nth(2)).toHaveText("3");

    const bobRows = page.locator("tbody", { has: page.getByRole("link", { name: `example/person/${bob}`, exact: true }) });
    await expect(bobRows.getByRole("row", { name: /visits/ }).getByRole("cell").nth(1)).toHaveText("absent");
    await expect(bobRows.getByRole("row", { name: /visits/ }).getByRole("cell").nth(2)).toHaveText("1");
    await shot(page, "04-diff-against-live");
  });

  await expectAccessibleAndNarrow(page, "05-savepoint-page");

  await test.step("roll back, confirmed by typing the application's name, and watch the phases", async () => {
    const panel = page.locator("section", { has: page.getByRole("heading", { name: "Roll back to this savepoint" }) });
    await expect(panel.getByText("is paused")).toBeVisible();
    await expect(panel.getByText("An automatic savepoint of the current state is taken first")).toBeVisible();
    await expect(panel.getByText("Egress already emitted is not recalled")).toBeVisible();
    const go = panel.getByRole("button", { name: `Roll back ${app}` });
    await expect(go).toBeDisabled();
    await panel.getByLabel(`Type ${app} to confirm`).fill(app);
    await go.click();
    await expect(page).toHaveURL(/rollback=rollback-/);
    const phases = page.getByRole("list", { name: "Rollback phases" });
    await expect(phases).toBeVisible();
    await expect(page.getByText("Rollback complete.")).toBeVisible({ timeout: 60_000 });
    await expect(phases.getByText("Take the automatic savepoint of the current state")).toContainText("done");
    await expect(page.getByRole("status").filter({ hasText: "is back at" })).toContainText("addresses restored");
    await shot(page, "06-rolled-back");
  });

  await test.step("verify: the state is the savepoint's again, in the API and in the page", async () => {
    await expectVisits(request, alice, 1);
    await expectVisits(request, bob, null);
    await expect(page.getByText("No differences: the live state is exactly this savepoint.")).toBeVisible({ timeout: 20_000 });
    await shot(page, "07-verified-no-differences");
  });

  await test.step("undo the rollback with its own confirmation", async () => {
    await page.getByRole("button", { name: "Undo this rollback" }).click();
    await expect(page.getByRole("heading", { name: "Undo this rollback?" })).toBeVisible();
    const undo = page.getByRole("button", { name: "Undo the rollback" });
    await expect(undo).toBeDisabled();
    await page.getByLabel(`Type ${app} to confirm`).fill(app);
    await undo.click();
    await expect(page).toHaveURL(/\/savepoints\/[0-9a-f-]{36}\?rollback=rollback-/);
    await expect(page.getByRole("heading", { level: 1, name: /^before rollback to / })).toBeVisible();
    await expect(page.getByText("Rollback complete.")).toBeVisible({ timeout: 60_000 });
    await shot(page, "08-undone");
  });

  await test.step("verify: the state is forward again", async () => {
    await expectVisits(request, alice, 3);
    await expectVisits(request, bob, 1);
    await page.goto(`/applications/${app}/savepoints`);
    await expect(page.getByRole("row", { name: /before rollback to/ }).first()).toBeVisible();
    await expect(page.getByRole("row", { name: new RegExp(`^${label}`) }).getByText("Rolled back onto")).toBeVisible();
    await shot(page, "09-history-after-undo");
  });
});

test("an operator takes and imports savepoints but cannot roll back; a viewer sees no mutating control", async ({ browser, request }) => {
  const users = {} as Record<"operator" | "viewer", { username: string; password: string }>;
  for (const role of ["operator", "viewer"] as const) {
    users[role] = { username: uniqueName(`e2e-sp-${role}`), password: "e2e-password-123" };
    const res = await request.post("/api/v1/users", { headers: auth, data: { ...users[role], role } });
    expect(res.status(), await res.text()).toBe(201);
  }
  const taken = await request.post(`/api/v1/applications/${app}/savepoints`, { headers: auth, data: { label: `roles ${run}` } });
  expect(taken.status(), await taken.text()).toBe(202);
  const { id } = (await taken.json()) as { id: string };
  await expect.poll(async () => ((await (await request.get(`/api/v1/savepoints/${id}`, { headers: auth })).json()) as { status: string }).status).toBe("complete");
  const file = test.info().outputPath("export.ndjson");
  const exported = await request.get(`/api/v1/savepoints/${id}/export`, { headers: auth });
  expect(exported.status()).toBe(200);
  await writeFile(file, await exported.body());

  await test.step("operator: take and import in the page (upload with progress), no rollback control", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await loginInBrowser(page, users.operator);
    await page.goto(`/applications/${app}/savepoints`);
    await expect(page.getByRole("button", { name: "Take savepoint" })).toBeVisible();
    await page.getByLabel("Savepoint file (.ndjson)").setInputFiles(file);
    await page.getByRole("button", { name: "Import", exact: true }).click();
    await expect(page.getByRole("status").filter({ hasText: "Imported as" })).toContainText(`roles ${run}`);
    await shot(page, "10-operator-imported");
    await page.goto(`/savepoints/${id}`);
    await expect(page.getByRole("heading", { level: 1, name: `roles ${run}` })).toBeVisible();
    await expect(page.getByText("rolling back needs the admin role")).toBeVisible();
    await expect(page.getByRole("heading", { name: "Roll back to this savepoint" })).toHaveCount(0);
    await context.close();
  });

  await test.step("viewer: no take, import or rollback control; downloading and comparing remain", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await loginInBrowser(page, users.viewer);
    await page.goto(`/applications/${app}/savepoints`);
    await expect(page.getByRole("link", { name: `roles ${run}` }).first()).toBeVisible();
    await expect(page.getByRole("button", { name: "Take savepoint" })).toHaveCount(0);
    await expect(page.getByLabel("Savepoint file (.ndjson)")).toHaveCount(0);
    await page.goto(`/savepoints/${id}`);
    await expect(page.getByRole("link", { name: "Download (NDJSON)" })).toBeVisible();
    await expect(page.getByRole("button", { name: /Roll back/ })).toHaveCount(0);
    await shot(page, "11-viewer-savepoint");
    await context.close();
  });

  await test.step("and the API refuses what the pages do not offer", async () => {
    for (const role of ["operator", "viewer"] as const) {
      const session = await request.post("/api/v1/auth/login", { data: users[role] });
      expect(session.status()).toBe(200);
      const { csrfToken } = (await session.json()) as { csrfToken: string };
      const rollback = await request.post(`/api/v1/savepoints/${id}/rollback`, { headers: { "X-CSRF-Token": csrfToken } });
      expect(rollback.status(), `${role} rollback`).toBe(403);
      if (role === "viewer") {
        const take = await request.post(`/api/v1/applications/${app}/savepoints`, { headers: { "X-CSRF-Token": csrfToken }, data: {} });
        expect(take.status(), "viewer take").toBe(403);
      }
    }
  });
});
