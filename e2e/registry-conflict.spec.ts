import { expect, test, type APIRequestContext, type Locator, type Page } from "@playwright/test";
import { startFunctionServer, type FunctionServer } from "../examples/functions/server";
import { ADMIN_TOKEN, deleteApplication, expectAccessibleAndNarrow, greeterModuleYaml, loginInBrowser, releaseNamespace, shot, uniqueName } from "./helpers";

/**
 * Issue #15 item 7, as found when tried: registering example/person in a second application silently took the
 * type from the first application's example/*. Now the console shows the conflict and asks; a move moves it.
 * Then the moved endpoint is edited and probed again in the page. Functions: the official SDK's greeter
 * (examples/functions/greeter.ts: example/person counts "visits" and greets through example/greeter).
 */
let functions: FunctionServer;
const first = uniqueName("e2e-first");
const second = uniqueName("e2e-second");
const visitor = `conflict-${Date.now().toString(36)}`;
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

interface SeenEndpoint {
  id: string;
  functions: string;
  probedAt: string | null;
  timeoutsMillis: { call: number };
  maxNumBatchRequests: number;
  seenTypes: Array<{ functionType: string }>;
}

async function endpointsOf(request: APIRequestContext, app: string): Promise<SeenEndpoint[]> {
  const res = await request.get(`/api/v1/applications/${app}/endpoints`, { headers: auth });
  expect(res.status(), await res.text()).toBe(200);
  return ((await res.json()) as { endpoints: SeenEndpoint[] }).endpoints;
}

async function ownerOf(request: APIRequestContext, functionType: string): Promise<string | null> {
  const res = await request.get("/api/v1/functions", { headers: auth });
  expect(res.status(), await res.text()).toBe(200);
  const all = (await res.json()) as { functions: Array<{ functionType: string; application: string | null }> };
  return all.functions.find((f) => f.functionType === functionType)?.application ?? null;
}

const endpointsCard = (page: Page) => page.locator("section", { has: page.getByRole("heading", { name: "Function endpoints" }) });
const stateOf = (row: Locator, functionType: string) => row.getByRole("table", { name: new RegExp(`^${functionType.replace("/", "\\/")}\\b`) });

test.beforeAll(async ({ playwright }) => {
  functions = await startFunctionServer({ port: 0 });
  const api = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  await releaseNamespace(api, "example");
  for (const name of [first, second]) {
    const created = await api.post("/api/v1/applications", { headers: auth, data: { name, description: "registry conflict journey" } });
    expect(created.status(), await created.text()).toBe(201);
  }
  const applied = await api.put(`/api/v1/applications/${first}/module`, { headers: { ...auth, "Content-Type": "application/yaml" }, data: greeterModuleYaml(functions.url) });
  expect(applied.status(), await applied.text()).toBe(200);
  await api.dispose();
});

test.afterAll(async ({ playwright }) => {
  await functions?.close();
  const api = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  for (const name of [first, second]) await deleteApplication(api, name);
  await api.dispose();
});

test("a type bound by another application's wildcard: the console shows the conflict, asks, moves it; the endpoint is edited and probed again", async ({ page, request }) => {
  test.setTimeout(150_000);

  await test.step("the first application's example/* serves example/person and example/greeter (a message through both)", async () => {
    const res = await request.post(`/api/v1/ingress/example/person/${visitor}`, {
      headers: { ...auth, "Content-Type": "application/vnd.example/GreetRequest" },
      data: Buffer.from(JSON.stringify({ name: visitor })),
    });
    expect(res.status(), await res.text()).toBe(202);
    await expect
      .poll(async () => (await endpointsOf(request, first))[0]?.seenTypes.map((t) => t.functionType) ?? [], { timeout: 30_000, message: "types seen under example/*" })
      .toEqual(expect.arrayContaining(["example/person", "example/greeter"]));
  });

  await test.step("the wildcard endpoint shows the declared state of every type of it that has been seen", async () => {
    await loginInBrowser(page);
    await page.goto(`/applications/${first}`);
    const row = endpointsCard(page).getByRole("row", { name: /example\/\*/ });
    await expect(stateOf(row, "example/person").getByRole("rowheader", { name: "visits" })).toBeVisible();
    await expect(stateOf(row, "example/person")).toContainText("seen in the data plane");
    await expect(stateOf(row, "example/greeter")).toContainText("No state declared");
    await shot(page, "01-first-app-seen-types");
    await expectAccessibleAndNarrow(page, "02-application-page");
  });

  const form = page.locator("section", { has: page.getByRole("heading", { name: "Register endpoint" }) });

  await test.step("the second application registers example/person: the console shows who binds it and asks", async () => {
    await page.goto(`/applications/${second}`);
    await form.getByLabel("Functions pattern").fill("example/person");
    await form.getByLabel("URL template").fill(functions.url);
    await form.getByRole("button", { name: "Probe" }).click();
    await expect(form.locator(".probe-result")).toContainText("Reachable");
    await form.getByRole("button", { name: "Register", exact: true }).click();
    const prompt = form.getByRole("group", { name: `Move example/person from ${first} to this application?` });
    await expect(prompt).toBeVisible();
    await expect(prompt.getByRole("heading")).toBeFocused();
    await expect(prompt).toContainText(`example/person is bound by application ${first} through its endpoint example/*`);
    await expect(prompt).toContainText("savepoints and rollbacks belong to");
    await expect(prompt.getByRole("link", { name: first })).toHaveAttribute("href", `/applications/${first}`);
    await expect(prompt.getByText("has state")).toBeVisible();
    // nothing moved while the question is open
    expect(await ownerOf(request, "example/person")).toBe(first);
    await shot(page, "03-conflict-asks");
    await expectAccessibleAndNarrow(page, "04-conflict-prompt");
  });

  await test.step("moving it makes the second application its owner", async () => {
    await form.getByRole("button", { name: "Move and register" }).click();
    await expect(form.getByText(`Registered example/person, moving example/person from ${first} to this application.`)).toBeVisible();
    expect(await ownerOf(request, "example/person")).toBe(second);
    const row = endpointsCard(page).getByRole("row", { name: /example\/person/ });
    await expect(row.getByRole("rowheader", { name: "example/person", exact: true })).toBeVisible();
    await expect(stateOf(row, "example/person").getByRole("rowheader", { name: "visits" })).toBeVisible();
    const audit = await request.get("/api/v1/audit", { headers: auth, params: { targetType: "function-type", target: "example/person" } });
    const events = ((await audit.json()) as { events: Array<{ action: string; before: { application: string }; after: { application: string } }> }).events;
    expect(events[0]).toMatchObject({ action: "function-type.move", before: { application: first }, after: { application: second } });
    await shot(page, "05-moved");
  });

  await test.step("edit the endpoint: a longer call timeout and a smaller batch", async () => {
    const card = endpointsCard(page);
    await card.getByRole("button", { name: "Edit example/person" }).click();
    const panel = card.getByRole("region", { name: "Edit endpoint example/person" });
    await expect(panel.getByRole("heading")).toBeFocused();
    await expect(panel.getByLabel("URL template")).toHaveValue(functions.url);
    await panel.getByLabel("Call timeout").fill("45 s");
    await panel.getByLabel("Max batch").fill("50");
    await shot(page, "06-edit");
    await panel.getByRole("button", { name: "Save endpoint" }).click();
    await expect(card.getByText("Saved example/person.")).toBeVisible();
    const row = card.getByRole("row", { name: /example\/person/ });
    await expect(row.getByRole("cell", { name: "45 s", exact: true })).toBeVisible();
    await expect(row.getByRole("cell", { name: "50", exact: true })).toBeVisible();
    const [saved] = await endpointsOf(request, second);
    expect(saved).toMatchObject({ functions: "example/person", maxNumBatchRequests: 50, timeoutsMillis: { call: 45_000 } });
    await shot(page, "07-edited");
  });

  await test.step("probe it again", async () => {
    const [before] = await endpointsOf(request, second);
    const card = endpointsCard(page);
    await card.getByRole("button", { name: "Re-probe example/person" }).click();
    const panel = card.getByRole("region", { name: "Probe endpoint example/person" });
    await expect(panel.getByLabel("Function type to probe")).toHaveValue("example/person");
    await panel.getByRole("button", { name: "Probe again" }).click();
    await expect(panel.getByText(/it declares 1 state value, now stored with the endpoint/)).toBeVisible();
    await expect(panel.getByRole("rowheader", { name: "visits" })).toBeVisible();
    const [after] = await endpointsOf(request, second);
    expect(Date.parse(after.probedAt!)).toBeGreaterThan(Date.parse(before.probedAt!));
    await shot(page, "08-reprobed");
    await expectAccessibleAndNarrow(page, "09-edit-and-probe");
  });
});
