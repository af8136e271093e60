import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { startFunctionServer, type FunctionServer } from "../examples/functions/server";
import { ADMIN_TOKEN, deleteApplication, expectAccessibleAndNarrow, loginInBrowser, releaseNamespace, shot, uniqueName } from "./helpers";

/**
 * Journey (a) of issue #15: register an endpoint in the application page, then from the address page send a
 * message and watch the address's version, state and mailbox move, follow its outgoing message to the greeter,
 * and see the greeter's egress record there. The playground greeter (examples/functions/greeter.ts, official
 * JS SDK): example/person counts "visits" and forwards to example/greeter/<name>, which writes the greeting to
 * the playground egress, topic "greetings".
 */
let functions: FunctionServer;
const app = uniqueName("e2e-a");
const name = `ann-${Date.now().toString(36)}`;
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const EGRESS = "io.statefun.playground/egress";

test.beforeAll(async ({ playwright }) => {
  functions = await startFunctionServer({ port: 0 });
  const api = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  await releaseNamespace(api, "example");
  await api.dispose();
});

test.afterAll(async ({ playwright }) => {
  await functions?.close();
  const api = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  await deleteApplication(api, app);
  await api.dispose();
});

/** The application's module as exported, plus the playground egress the greeter writes to. */
async function declareEgress(request: APIRequestContext): Promise<void> {
  const current = await request.get(`/api/v1/applications/${app}/module`, { headers: auth });
  expect(current.status(), await current.text()).toBe(200);
  const yaml = `${(await current.text()).trimEnd()}\n---\nkind: io.statefun.playground.v1/egress\nspec:\n  port: 8091\n  topics: [greetings]\n`;
  const put = await request.put(`/api/v1/applications/${app}/module`, { headers: { ...auth, "Content-Type": "application/yaml" }, data: yaml });
  expect(put.status(), await put.text()).toBe(200);
}

async function greetings(request: APIRequestContext): Promise<Array<{ value: unknown; source: string }>> {
  const res = await request.get(`/api/v1/egress/${EGRESS}`, { headers: auth, params: { application: app, topic: "greetings", limit: 100 } });
  expect(res.status(), await res.text()).toBe(200);
  return ((await res.json()) as { records: Array<{ value: unknown; source: string }> }).records;
}

const stateValue = (page: Page, state: string) => page.locator(".value-item", { has: page.getByRole("heading", { name: state, exact: true }) });

test("(a) register an endpoint, send a message from the address page, watch state and egress change", async ({ page, request }) => {
  test.setTimeout(150_000);

  await test.step("log in and create the application", async () => {
    await loginInBrowser(page);
    await page.goto("/applications");
    await page.getByLabel("Name", { exact: true }).fill(app);
    await page.getByLabel("Description").fill("journey (a): a message from the address page");
    await page.getByRole("button", { name: "Create application" }).click();
    await page.getByRole("link", { name: app, exact: true }).first().click();
    await expect(page.getByRole("heading", { level: 1, name: app })).toBeVisible();
    await shot(page, "01-application");
  });

  await test.step("register example/* after a probe of example/person", async () => {
    const form = page.locator("section", { has: page.getByRole("heading", { name: "Register endpoint" }) });
    await form.getByLabel("Functions pattern").fill("example/*");
    await form.getByLabel("URL template").fill(functions.url);
    await form.getByLabel("Function type to probe").fill("example/person");
    await form.getByRole("button", { name: "Probe" }).click();
    await expect(form.locator(".probe-result")).toContainText("Reachable");
    await form.getByRole("button", { name: "Register", exact: true }).click();
    await expect(form.getByText("Registered example/*")).toBeVisible();
    await shot(page, "02-endpoint-registered");
    // The greeter writes to the playground egress: declared through the module API beside the endpoint.
    await declareEgress(request);
  });

  const personPage = `/functions/example/person/${encodeURIComponent(name)}`;
  await test.step("the address page of a fresh id offers to send it a message", async () => {
    await page.goto(personPage);
    await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
    await expect(page.getByRole("heading", { name: "Nothing here yet" })).toBeVisible();
    await shot(page, "03-fresh-address");
  });

  const send = page.locator("section", { has: page.getByRole("heading", { name: "Send a message" }) });
  await test.step("send an example/GreetRequest from the page", async () => {
    await send.getByRole("combobox", { name: "Typename" }).fill("example/GreetRequest");
    await expect(send.getByLabel("Body format")).toHaveValue("json");
    await send.getByRole("textbox", { name: "Message body" }).fill(JSON.stringify({ name }));
    await send.getByRole("button", { name: "Send message" }).click();
    await expect(send.getByRole("status")).toContainText("accepted");
    await shot(page, "04-sent");
  });

  await test.step("the page follows the version, the state and the mailbox without a reload", async () => {
    await expect(page.getByTestId("address-version")).toHaveText("1", { timeout: 20_000 });
    await expect(stateValue(page, "visits").locator(".value-primitive")).toHaveText("1");
    await expect(stateValue(page, "visits")).toContainText("io.statefun.types/int");
    await expect(page.getByTestId("mailbox-length")).toHaveText("0 messages queued");
    await expect(send.getByRole("status")).toContainText("now at version 1");
    const history = page.getByTestId("history");
    await expect(history).toContainText("v1");
    await expect(history.getByRole("link", { name: `example/greeter/${name}` })).toBeVisible();
    await shot(page, "05-state-moved");
  });

  await test.step("follow the outgoing message to the greeter and see its egress record", async () => {
    await page.getByTestId("history").getByRole("link", { name: `example/greeter/${name}` }).click();
    await expect(page).toHaveURL(new RegExp(`/functions/example/greeter/${name}$`));
    await expect(page.getByTestId("egress-records")).toContainText(`Welcome ${name}`, { timeout: 20_000 });
    await expect(page.getByTestId("history")).toContainText("1 egress record");
    await expect(page.getByRole("link", { name: EGRESS })).toHaveAttribute("href", `/egress?app=${app}&egress=${encodeURIComponent(EGRESS)}`);
    const records = await greetings(request);
    expect(records.filter((r) => r.source === `example/greeter/${name}`).map((r) => r.value)).toEqual([`Welcome ${name}`]);
    await shot(page, "06-greeter-egress");
  });

  await test.step("a second message: visits and the greeting move on", async () => {
    await page.goto(personPage);
    await expect(page.getByTestId("address-version")).toHaveText("1");
    // the typename sent before is offered first
    await expect(send.getByRole("combobox", { name: "Typename" })).toHaveValue("example/GreetRequest");
    await send.getByRole("textbox", { name: "Message body" }).fill(JSON.stringify({ name }));
    await send.getByRole("button", { name: "Send message" }).click();
    await expect(page.getByTestId("address-version")).toHaveText("2", { timeout: 20_000 });
    await expect(stateValue(page, "visits").locator(".value-primitive")).toHaveText("2");
    await expect.poll(async () => (await greetings(request)).filter((r) => r.source === `example/greeter/${name}`).map((r) => r.value), { timeout: 20_000 }).toEqual([
      `Welcome ${name}`,
      `Nice to see you again ${name}`,
    ]);
    await shot(page, "07-second-message");
  });

  await test.step("the address page passes axe in light and dark and fits 390 px", async () => {
    // checked with the body editor focused and its caret after a bracket: the matched pair is marked then
    const body = send.getByRole("textbox", { name: "Message body" });
    await body.click();
    await body.press("End");
    await expectAccessibleAndNarrow(page, "08-address-page");
    await page.goto(`/functions/example/greeter/${encodeURIComponent(name)}`);
    await expect(page.getByTestId("egress-records")).toContainText(`Nice to see you again ${name}`);
    await shot(page, "09-greeter-second-greeting");
  });
});
