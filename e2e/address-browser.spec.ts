import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { startFunctionServer, type FunctionServer } from "../examples/functions/server";
import { ADMIN_TOKEN, deleteApplication, loginInBrowser, uniqueName } from "./helpers";
import { createPlaygroundApp } from "./playground-app";
import { checkPage, shot } from "./page-checks";

/**
 * Issue #15 item 3, in a browser: the functions list, then a function type's addresses sorted by id — found by
 * prefix, paged by cursor, an exact id jumped to — with every filter in the URL. The addresses are created through
 * the ingress API and applied by the playground greeter (examples/functions, official JS SDK): example/person.
 */
let functions: FunctionServer;
const app = uniqueName("e2e-browse");
const run = `br${Date.now().toString(36)}`;
const prefix = `${run}-`;
/** 60 numbered ids (more than one page of 50) and one that no other id's prefix reaches. */
const numbered = Array.from({ length: 60 }, (_, i) => `${prefix}${String(i).padStart(2, "0")}`);
const rare = `${prefix}zebra`;
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

/** Every id the listing API returns for a prefix (it reads the checkpoint, about a second behind). */
async function listed(api: APIRequestContext, p: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await api.get("/api/v1/state/example/person", { headers: auth, params: { prefix: p, limit: 500, ...(cursor ? { cursor } : {}) } });
    expect(res.status(), await res.text()).toBe(200);
    const page = (await res.json()) as { addresses: Array<{ id: string }>; next: string | null };
    ids.push(...page.addresses.map((a) => a.id));
    cursor = page.next;
  } while (cursor);
  return ids;
}

test.beforeAll(async ({ playwright }) => {
  test.setTimeout(90_000);
  functions = await startFunctionServer({ port: 0 });
  const api = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  await createPlaygroundApp(api, app, functions.url);
  // one NDJSON batch through the ingress API
  const lines = [...numbered, rare].map((id) => JSON.stringify({ target: `example/person/${id}`, typename: "example/GreetRequest", value: { name: id } })).join("\n");
  const sent = await api.post("/api/v1/ingress", { headers: { ...auth, "Content-Type": "application/x-ndjson" }, data: lines });
  expect(sent.status(), await sent.text()).toBe(200);
  expect(((await sent.json()) as { accepted: number }).accepted).toBe(61);
  // applied by the function (version 1) and in the checkpoint the listing reads
  await expect.poll(async () => (await listed(api, prefix)).length, { timeout: 30_000 }).toBe(61);
  await api.dispose();
});

test.afterAll(async ({ playwright }) => {
  await functions?.close();
  const api = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  await deleteApplication(api, app);
  await api.dispose();
});

const idCells = (page: Page) => page.locator("table.fn-addresses tbody th[scope=row]");

test("find addresses by prefix, page through them, jump to an exact id, share the URL", async ({ page }) => {
  test.setTimeout(150_000);

  await test.step("the functions list shows example/person with its application and counts", async () => {
    await loginInBrowser(page);
    await page.goto("/functions");
    await expect(page.getByRole("heading", { level: 1, name: "Functions" })).toBeVisible();
    const row = page.getByRole("row", { name: /example\/person/ });
    await expect(row.getByRole("link", { name: "example/person", exact: true })).toBeVisible();
    await expect(row.getByRole("link", { name: app, exact: true })).toBeVisible();
    await expect(row).toContainText(functions.url.replace(/\{function\.name\}.*/, ""));
    await shot(page, "01-functions");
    await checkPage(page, "01-functions");
  });

  await test.step("open the type: its addresses, sorted by id", async () => {
    await page.getByRole("row", { name: /example\/person/ }).getByRole("link", { name: "example/person", exact: true }).click();
    await expect(page).toHaveURL(/\/functions\/example\/person$/);
    await expect(page.getByRole("heading", { level: 1, name: "example/person" })).toBeVisible();
    await expect(idCells(page).first()).toBeVisible();
    const ids = await idCells(page).allTextContents();
    expect(ids).toEqual([...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    await shot(page, "02-all-addresses");
  });

  await test.step("search by prefix: the first page holds 50 of them, in order, and the URL carries the prefix", async () => {
    await page.getByRole("textbox", { name: "Id starts with" }).fill(prefix);
    await page.getByRole("button", { name: "Search" }).click();
    await expect(page).toHaveURL(new RegExp(`[?&]prefix=${prefix}(&|$)`));
    await expect(idCells(page)).toHaveCount(50);
    await expect(idCells(page)).toHaveText(numbered.slice(0, 50));
    const first = page.getByRole("row", { name: new RegExp(`^${numbered[0]}\\b`) });
    await expect(first.getByText("Idle")).toBeVisible(); // status in words
    await expect(first).toContainText("0 messages");
    await shot(page, "03-prefix-page-1");
    await checkPage(page, "03-address-browser");
  });

  await test.step("next page by cursor, and back", async () => {
    await page.getByRole("button", { name: "Next page" }).click();
    await expect(page).toHaveURL(/[?&]cursor=/);
    await expect(page).toHaveURL(new RegExp(`[?&]prefix=${prefix}(&|$)`));
    await expect(idCells(page)).toHaveText([...numbered.slice(50), rare]);
    await expect(page.getByRole("button", { name: "Next page" })).toHaveCount(0);
    await shot(page, "04-prefix-page-2");
    await page.getByRole("button", { name: "Previous page" }).click();
    await expect(idCells(page).first()).toHaveText(numbered[0]);
    await expect(idCells(page)).toHaveCount(50);
  });

  await test.step("a rare prefix finds its one address on the first page", async () => {
    await page.getByRole("textbox", { name: "Id starts with" }).fill(`${prefix}zeb`);
    await page.getByRole("button", { name: "Search" }).click();
    await expect(idCells(page)).toHaveCount(1);
    await expect(idCells(page).first()).toHaveText(rare);
    await shot(page, "05-rare-prefix");
  });

  await test.step("jump to an exact id: it is the first row, marked, and the URL carries it", async () => {
    await page.getByRole("textbox", { name: "Id starts with" }).fill(prefix);
    await page.getByRole("button", { name: "Search" }).click();
    await expect(idCells(page)).toHaveCount(50);
    await page.getByRole("textbox", { name: "Jump to id" }).fill(numbered[42]);
    await page.getByRole("button", { name: "Jump" }).click();
    await expect(page).toHaveURL(new RegExp(`[?&]id=${numbered[42]}(&|$)`));
    await expect(page.getByRole("status").filter({ hasText: "Found" })).toContainText(numbered[42]);
    await expect(idCells(page).first()).toHaveText(numbered[42]);
    await expect(page.locator("tr[aria-current=true]")).toContainText(numbered[42]);
    await expect(idCells(page)).toHaveText([...numbered.slice(42), rare]);
    await shot(page, "06-jumped");
  });

  await test.step("a missing id shows where it would be", async () => {
    await page.getByRole("textbox", { name: "Jump to id" }).fill(`${numbered[9]}x`);
    await page.getByRole("button", { name: "Jump" }).click();
    await expect(page.getByRole("status").filter({ hasText: "No address with the id" })).toBeVisible();
    await expect(idCells(page).first()).toHaveText(numbered[10]);
    await shot(page, "07-jump-missing");
  });

  await test.step("the URL is shareable: opened fresh it shows the same filter", async () => {
    const url = `/functions/example/person?prefix=${encodeURIComponent(prefix)}&id=${encodeURIComponent(numbered[20])}`;
    await page.goto(url);
    await expect(page.getByRole("textbox", { name: "Id starts with" })).toHaveValue(prefix);
    await expect(page.getByRole("textbox", { name: "Jump to id" })).toHaveValue(numbered[20]);
    await expect(idCells(page).first()).toHaveText(numbered[20]);
    await shot(page, "08-shared-link");
  });

  await test.step("each id links to its address page", async () => {
    await page.getByRole("link", { name: numbered[20], exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/functions/example/person/${encodeURIComponent(numbered[20])}$`));
    await shot(page, "09-address-page");
  });
});
