import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { startFunctionServer, type FunctionServer } from "../examples/functions/server";
import { ADMIN_TOKEN, deleteApplication, expectAccessibleAndNarrow, loginInBrowser, shot, uniqueName } from "./helpers";
import { createPlaygroundApp } from "./playground-app";

/**
 * Journey (b) of issue #15: find an address by id prefix, edit a state value with a diff before saving, meet the
 * conflict (the test changes the value through the API meanwhile), resolve it by re-applying; then a second
 * conflict resolved by reloading, and a delete confirmed by typing. The address's id holds `/`, a space and
 * `%41`, so every hop (browser link, page params, API path) must keep it URL-encoded exactly once.
 */
let functions: FunctionServer;
const app = uniqueName("e2e-b");
const run = Date.now().toString(36);
const prefix = `b-${run}/`;
const target = `${prefix}odd id %41`;
const sibling = `${prefix}other`;
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const statePath = (id: string) => `/api/v1/state/example/person/${encodeURIComponent(id)}`;

async function readState(request: APIRequestContext, id: string): Promise<{ version: number; visits: number | null }> {
  const res = await request.get(statePath(id), { headers: auth });
  expect(res.status(), await res.text()).toBe(200);
  const s = (await res.json()) as { version: number; values: Array<{ name: string; present: boolean; value?: unknown }> };
  const v = s.values.find((x) => x.name === "visits");
  return { version: s.version, visits: v?.present ? (v.value as number) : null };
}

/** Someone else's write, through the API, at the version they read. */
async function patchVisits(request: APIRequestContext, id: string, visits: number): Promise<number> {
  const { version } = await readState(request, id);
  const res = await request.patch(statePath(id), { headers: auth, data: { expectedVersion: version, set: { visits: { value: visits } }, reason: "journey (b): the other writer" } });
  expect(res.status(), await res.text()).toBe(200);
  return ((await res.json()) as { version: number }).version;
}

test.beforeAll(async ({ playwright }) => {
  functions = await startFunctionServer({ port: 0 });
  const api = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  await createPlaygroundApp(api, app, functions.url);
  for (const id of [target, sibling, `c-${run}-decoy`]) {
    const res = await api.post(`/api/v1/ingress/example/person/${encodeURIComponent(id)}`, {
      headers: { ...auth, "Content-Type": "application/vnd.example/GreetRequest" },
      data: Buffer.from(JSON.stringify({ name: `b-${run}` })),
    });
    expect(res.status(), await res.text()).toBe(202);
  }
  await expect.poll(async () => (await readState(api, target)).visits, { timeout: 20_000 }).toBe(1);
  await api.dispose();
});

test.afterAll(async ({ playwright }) => {
  await functions?.close();
  const api = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  await deleteApplication(api, app);
  await api.dispose();
});

const visitsItem = (page: Page) => page.locator(".value-item", { has: page.getByRole("heading", { name: "visits", exact: true }) });

/** Edit visits to `text` and open the diff before saving. */
async function editVisits(page: Page, text: string): Promise<void> {
  await page.getByRole("button", { name: "Edit visits" }).click();
  const editor = page.getByRole("textbox", { name: /^New value of visits/ });
  await editor.fill(text);
  await page.getByRole("button", { name: "Review change" }).click();
  await expect(page.getByTestId("value-diff")).toContainText(text);
}

test("(b) find an address by prefix, patch it, meet the conflict, resolve it", async ({ page, request }) => {
  test.setTimeout(150_000);
  const addressUrl = `/functions/example/person/${encodeURIComponent(target)}`;

  await test.step("find the address by its id prefix", async () => {
    await loginInBrowser(page);
    await page.goto(`/functions/example/person?prefix=${encodeURIComponent(prefix)}`);
    const missing = page.getByRole("heading", { level: 1, name: "Page not found" });
    const browser = page.getByRole("heading", { level: 1, name: "example/person" });
    await expect(missing.or(browser)).toBeVisible();
    if (await browser.isVisible()) {
      // The listing is served from the checkpoint, which follows the live state by about a second.
      const link = page.getByRole("link", { name: target, exact: true });
      await expect(async () => {
        await page.reload();
        await expect(link).toBeVisible({ timeout: 2_000 });
      }).toPass({ timeout: 30_000 });
      await expect(page.getByRole("link", { name: sibling, exact: true })).toBeVisible();
      await expect(page.getByRole("link", { name: `c-${run}-decoy` })).toHaveCount(0);
      await shot(page, "01-found-by-prefix");
      await link.click();
    } else {
      // The address browser (another part of issue #15) is not served by this build: open the page by its URL.
      test.info().annotations.push({ type: "note", description: "address browser not available; opened the address page by URL" });
      await page.goto(addressUrl);
    }
    await expect(page).toHaveURL(new RegExp(`${addressUrl.replaceAll("%", "\\%")}$`));
    await expect(page.getByRole("heading", { level: 1, name: target })).toBeVisible();
    await expect(page.getByTestId("address-version")).toHaveText("1");
    await expect(visitsItem(page).locator(".value-primitive")).toHaveText("1");
    await shot(page, "02-address-page");
  });

  await test.step("edit visits and read the diff before saving", async () => {
    await editVisits(page, "41");
    await shot(page, "03-diff-before-save");
  });

  let theirs = 0;
  await test.step("meanwhile someone else sets visits through the API", async () => {
    theirs = await patchVisits(request, target, 100);
    expect(theirs).toBe(2);
    // the page follows the live version and warns before the save
    await expect(page.getByTestId("address-version")).toHaveText("2");
    await expect(visitsItem(page).getByRole("status")).toContainText("moved on since you began (version 1 → 2), and visits changed");
  });

  await test.step("save: the conflict view shows theirs now beside mine", async () => {
    await page.getByRole("button", { name: "Save visits" }).click();
    const conflict = page.getByTestId("conflict-view");
    await expect(conflict.getByRole("heading", { name: /moved from version 1 to 2/ })).toBeVisible();
    await expect(conflict.getByRole("alert")).toContainText("visits was changed by someone else");
    const diff = page.getByTestId("conflict-diff");
    await expect(diff.getByRole("textbox", { name: "Theirs now (version 2)" })).toHaveText("100");
    await expect(diff.getByRole("textbox", { name: "Yours" })).toHaveText("41");
    expect((await readState(request, target)).visits).toBe(100);
    await shot(page, "04-conflict");
    await expectAccessibleAndNarrow(page, "05-conflict-view");
  });

  await test.step("resolve: re-apply my change on version 2", async () => {
    await page.getByRole("button", { name: "Re-apply my change on version 2" }).click();
    await expect(page.getByText("Saved visits: the address is at version 3.")).toBeVisible();
    await expect(page.getByTestId("address-version")).toHaveText("3");
    await expect(visitsItem(page).locator(".value-primitive")).toHaveText("41");
    expect(await readState(request, target)).toEqual({ version: 3, visits: 41 });
    await expect(page.getByTestId("history")).toContainText("by admin");
    await shot(page, "06-resolved-reapplied");
  });

  await test.step("a second conflict, resolved by reloading (mine discarded)", async () => {
    await editVisits(page, "7");
    expect(await patchVisits(request, target, 200)).toBe(4);
    await page.getByRole("button", { name: "Save visits" }).click();
    await expect(page.getByTestId("conflict-view")).toBeVisible();
    await page.getByRole("button", { name: "Reload (discard mine)" }).click();
    await expect(page.getByTestId("conflict-view")).toHaveCount(0);
    await expect(visitsItem(page).locator(".value-primitive")).toHaveText("200");
    expect(await readState(request, target)).toEqual({ version: 4, visits: 200 });
    await shot(page, "07-resolved-reloaded");
  });

  await test.step("delete visits, confirmed by typing its name", async () => {
    await page.getByRole("button", { name: "Delete visits" }).click();
    const confirm = page.getByRole("button", { name: "Delete visits" });
    await expect(confirm).toBeDisabled();
    await page.getByLabel("Type visits to confirm").fill("visits");
    await confirm.click();
    await expect(page.getByText("Deleted visits: the address is at version 5.")).toBeVisible();
    await expect(visitsItem(page)).toContainText("No value");
    expect(await readState(request, target)).toEqual({ version: 5, visits: null });
    await shot(page, "08-deleted");
  });
});
