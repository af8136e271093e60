import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { startFunctionServer, type FunctionServer } from "../examples/functions/server";
import { ADMIN_TOKEN, deleteApplication, loginInBrowser, releaseNamespace, uniqueName } from "./helpers";

/**
 * Issue #15, items 1, 2 and 8 for the shell: the overview's live charts move without a reload and stop while
 * paused or hidden; an unknown path is a 404 inside the console; no sideways scroll at 390 px; the theme toggle
 * applies before paint; axe finds nothing serious on the overview and the 404, light and dark.
 */
let functions: FunctionServer;
const app = uniqueName("e2e-ov");
const run = Date.now().toString(36);
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const TYPE = "example/person";

test.beforeAll(async ({ playwright }) => {
  functions = await startFunctionServer({ port: 0 });
  const api = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  await releaseNamespace(api, "example");
  expect((await api.post("/api/v1/applications", { headers: auth, data: { name: app } })).status()).toBe(201);
  // the greeter writes to the playground egress: declared, or its replies would park example/greeter
  const module = `kind: io.statefun.endpoints.v2/http\nspec:\n  functions: example/*\n  urlPathTemplate: ${functions.url}\n---\nkind: io.statefun.playground.v1/egress\nspec:\n  topics: [greetings]\n`;
  const applied = await api.put(`/api/v1/applications/${app}/module`, { headers: { ...auth, "Content-Type": "application/yaml" }, data: module });
  expect(applied.status(), await applied.text()).toBe(200);
  await api.dispose();
});

test.afterAll(async ({ playwright }) => {
  const api = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  await deleteApplication(api, app);
  await api.dispose();
  await functions?.close();
});

/** n greetings to example/person; the ingress may need a moment to see the new binding. */
async function greet(request: APIRequestContext, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const name = `ov-${run}-${i % 3}`;
    await expect
      .poll(
        async () =>
          (await request.post(`/api/v1/ingress/example/person/${name}`, { headers: { ...auth, "Content-Type": "application/vnd.example/GreetRequest" }, data: Buffer.from(JSON.stringify({ name })) })).status(),
        { timeout: 10_000 },
      )
      .toBe(202);
  }
}

const shot = (page: Page, name: string) => page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
const typeCard = (page: Page) => page.locator("section.type-card", { has: page.getByRole("heading", { name: TYPE, exact: true }) });
/** example/person's "Consumed" total in the types table, or 0 before the type has been seen. */
async function consumed(page: Page): Promise<number> {
  const dd = page.locator(`tr[data-type="${TYPE}"]`).getByTestId("consumed");
  if ((await dd.count()) === 0) return 0;
  return Number((await dd.innerText()).replace(/[^\d]/g, ""));
}
const inLine = (page: Page) => typeCard(page).locator(".live-chart").first().locator("path.recharts-line-curve").first();

async function expectNoSeriousA11yViolations(page: Page, label: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${label}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}

/** The document's width, and (when it overflows) the outermost elements that stick out past the viewport. */
async function expectNoSidewaysScroll(page: Page, width = 390): Promise<void> {
  const { scrollWidth, wide } = await page.evaluate((w) => {
    const out: string[] = [];
    for (const el of Array.from(document.body.querySelectorAll("*"))) {
      const r = el.getBoundingClientRect();
      const parent = el.parentElement?.getBoundingClientRect();
      if (r.right > w + 0.5 && (!parent || parent.right <= w + 0.5)) out.push(`${el.tagName.toLowerCase()}.${(el.getAttribute("class") ?? "").replace(/ /g, ".")} right=${Math.round(r.right)}`);
    }
    return { scrollWidth: document.scrollingElement!.scrollWidth, wide: out.slice(0, 8) };
  }, width);
  expect(scrollWidth, `wider than ${width}px: ${wide.join("; ")}`).toBeLessThanOrEqual(width);
}

/** Pretends the tab went to the background (or came back): react-query's focus manager listens for this. */
const setHidden = (page: Page, hidden: boolean) =>
  page.evaluate((h) => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (h ? "hidden" : "visible") });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => h });
    document.dispatchEvent(new Event("visibilitychange"));
  }, hidden);

test("the overview updates live, pauses, and the console shell holds up: 404, 390 px, dark mode, axe", async ({ page, request }) => {
  test.setTimeout(150_000);
  const metricsCalls: number[] = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname === "/api/v1/metrics") metricsCalls.push(Date.now());
  });

  await test.step("sign in and open the overview at /", async () => {
    await loginInBrowser(page);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Overview" }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const name of ["Overview", "Functions", "Applications", "Parked", "Egress", "Audit", "Users", "Tokens"]) await expect(nav.getByRole("link", { name, exact: true })).toBeVisible();
    await expect(nav.getByRole("link", { name: "Overview" })).toHaveAttribute("aria-current", "page");
    await expect(page.getByRole("list", { name: /System health/ })).toContainText("Postgres");
    await expect(page.getByRole("list", { name: /System health/ })).toContainText(/Checkpoint/);
    // the worker started by playwright.config.ts, with the partition groups it holds
    const workers = page.locator("section", { has: page.getByRole("heading", { name: "Workers" }) });
    await expect(workers.getByRole("columnheader", { name: "Groups held" })).toBeVisible();
    await expect(workers.getByRole("row").nth(1)).toContainText(/\d+ of \d+/);
    await shot(page, "01-overview");
  });

  await test.step("messages sent through the API move the counters and the chart without a reload", async () => {
    const before = await consumed(page);
    await greet(request, 6);
    await expect.poll(() => consumed(page), { timeout: 10_000 }).toBeGreaterThanOrEqual(before + 6);
    await expect(inLine(page)).toBeVisible();
    const d1 = await inLine(page).getAttribute("d");
    await expect.poll(async () => inLine(page).getAttribute("d"), { timeout: 5_000 }).not.toBe(d1);
    await expect(typeCard(page).locator(".live-chart-legend").first()).toContainText(/In \d/);
    await shot(page, "02-live-update");
  });

  await test.step("paused, nothing is fetched and nothing moves; live again, it catches up", async () => {
    await page.getByRole("button", { name: "Live updates: on" }).click();
    await expect(page.getByRole("button", { name: "Live updates: off" })).toHaveAttribute("aria-pressed", "false");
    await page.waitForTimeout(1_200); // an answer already on its way may still land
    const frozen = await consumed(page);
    const calls = metricsCalls.length;
    await greet(request, 3);
    await page.waitForTimeout(3_000);
    expect(metricsCalls.length).toBe(calls);
    expect(await consumed(page)).toBe(frozen);
    await shot(page, "03-paused");
    await page.getByRole("button", { name: "Live updates: off" }).click();
    await expect.poll(() => consumed(page), { timeout: 10_000 }).toBeGreaterThanOrEqual(frozen + 3);
  });

  await test.step("a hidden tab stops polling, and a visible one resumes", async () => {
    await setHidden(page, true);
    await page.waitForTimeout(1_500); // a request already in flight may land
    const calls = metricsCalls.length;
    await page.waitForTimeout(3_000);
    expect(metricsCalls.length).toBe(calls);
    await setHidden(page, false);
    await expect.poll(() => metricsCalls.length, { timeout: 5_000 }).toBeGreaterThan(calls);
  });

  await test.step("axe: the overview, light and dark (system theme)", async () => {
    await page.emulateMedia({ colorScheme: "light" });
    await expectNoSeriousA11yViolations(page, "overview light");
    await page.emulateMedia({ colorScheme: "dark" });
    await expect(page.locator("body")).toHaveCSS("background-color", "rgb(17, 20, 24)");
    await shot(page, "04-overview-dark-system");
    await expectNoSeriousA11yViolations(page, "overview dark");
    await page.emulateMedia({ colorScheme: "light" });
  });

  await test.step("an unknown path renders a 404 inside the shell", async () => {
    const res = await page.goto("/no-such-page");
    expect(res?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
    await expect(page.getByText("/no-such-page", { exact: true })).toBeVisible();
    const res2 = await page.goto("/no-such-page/with/depth");
    expect(res2?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
    const api = await request.get("/api/v1/no-such-route", { headers: auth });
    expect(api.status()).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe("not-found");
    await shot(page, "05-not-found");
    await expectNoSeriousA11yViolations(page, "404 light");
    await page.emulateMedia({ colorScheme: "dark" });
    await expectNoSeriousA11yViolations(page, "404 dark");
    await shot(page, "06-not-found-dark");
    await page.emulateMedia({ colorScheme: "light" });
  });

  await test.step("at 390 px nothing scrolls sideways; the menu button opens the nav", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto("/");
    await expect(typeCard(page).locator("path.recharts-line-curve").first()).toBeVisible();
    await expectNoSidewaysScroll(page);
    const menu = page.getByRole("button", { name: "Menu" });
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();
    await shot(page, "07-overview-390");
    await menu.click();
    await expect(menu).toHaveAttribute("aria-expanded", "true");
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Parked" })).toBeVisible();
    await expectNoSidewaysScroll(page);
    await shot(page, "08-menu-390");
    await page.keyboard.press("Escape");
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await expect(menu).toBeFocused();
    await page.goto("/no-such-page");
    await expectNoSidewaysScroll(page);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await test.step("the theme toggle: dark on a light system, kept across reloads and applied before paint", async () => {
    await page.goto("/");
    await page.getByLabel("Theme").selectOption("dark");
    await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
    await expect(page.locator("body")).toHaveCSS("background-color", "rgb(17, 20, 24)");
    await page.addInitScript(() => {
      document.addEventListener(
        "DOMContentLoaded",
        () => {
          (window as unknown as { firstPaint: unknown }).firstPaint = { theme: document.documentElement.getAttribute("data-theme"), bg: getComputedStyle(document.body).backgroundColor };
        },
        { once: true },
      );
    });
    await page.reload();
    expect(await page.evaluate(() => (window as unknown as { firstPaint: unknown }).firstPaint)).toEqual({ theme: "dark", bg: "rgb(17, 20, 24)" });
    await expect(page.getByLabel("Theme")).toHaveValue("dark");
    await expect(typeCard(page).locator("path.recharts-line-curve").first()).toBeVisible();
    await shot(page, "09-overview-dark-toggle");
    await expectNoSeriousA11yViolations(page, "overview dark (toggle)");
    await page.goto("/no-such-page");
    await expectNoSeriousA11yViolations(page, "404 dark (toggle)");
    await page.goto("/");
    await page.getByLabel("Theme").selectOption("system");
    await expect(page.locator("html")).toHaveAttribute("data-theme", "system");
    await expect(page.locator("body")).toHaveCSS("background-color", "rgb(246, 247, 249)");
    await shot(page, "10-overview-light");
  });
});
