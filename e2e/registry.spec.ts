import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { startFunctionServer, type FunctionServer } from "../examples/functions/server";
import { deleteApplication, loginInBrowser, releaseNamespace, uniqueName } from "./helpers";

let functions: FunctionServer;
const app = uniqueName("e2e");

test.beforeAll(async ({ playwright }) => {
  functions = await startFunctionServer({ port: 0 });
  const api = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  await releaseNamespace(api, "example");
  await api.dispose();
});

test.afterAll(async ({ playwright }) => {
  await functions?.close();
  // Normally the journey deleted it already; this covers a run that failed half-way.
  const api = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  await deleteApplication(api, app);
  await api.dispose();
});

test("an admin registers a probed endpoint, sees its declared state, and pauses the application", async ({ page }) => {
  await test.step("log in", async () => {
    await loginInBrowser(page);
    await expect(page.getByText("Signed in as")).toContainText("admin");
  });

  await test.step("create the application", async () => {
    await page.goto("/applications");
    await page.getByLabel("Name", { exact: true }).fill(app);
    await page.getByLabel("Description").fill("created by the e2e journey");
    await page.getByRole("button", { name: "Create application" }).click();
    await expect(page.getByRole("link", { name: app, exact: true }).first()).toBeVisible();
  });

  await test.step("open it", async () => {
    await page.getByRole("link", { name: app, exact: true }).first().click();
    await expect(page).toHaveURL(new RegExp(`/applications/${app}$`));
    await expect(page.getByRole("heading", { level: 1, name: app })).toBeVisible();
    await expect(page.getByText("No endpoints yet")).toBeVisible();
  });

  const form = page.locator("section", { has: page.getByRole("heading", { name: "Register endpoint" }) });

  await test.step("a probe of an address where nothing listens shows the server's error", async () => {
    await form.getByLabel("Functions pattern").fill("example/*");
    await form.getByLabel("URL template").fill("http://127.0.0.1:9/statefun");
    await form.getByLabel("Function type to probe").fill("example/person");
    await form.getByRole("button", { name: "Probe" }).click();
    await expect(form.getByRole("alert")).toContainText("Probe failed");
    await expect(form.getByRole("button", { name: "Register" })).toBeDisabled();
  });

  await test.step("probe example/person behind an example/* pattern", async () => {
    await form.getByLabel("URL template").fill(functions.url);
    await form.getByLabel("Call timeout").fill("30 s");
    await form.getByLabel("Function type to probe").fill("example/person");
    await expect(form.getByRole("button", { name: "Register" })).toBeDisabled();
    await form.getByRole("button", { name: "Probe" }).click();
    const result = form.locator(".probe-result");
    await expect(result).toContainText("Reachable");
    await expect(result.getByRole("rowheader", { name: "visits" })).toBeVisible();
    await expect(result.getByRole("cell", { name: "io.statefun.types/int" })).toBeVisible();
  });

  await test.step("register it", async () => {
    await form.getByRole("button", { name: "Register" }).click();
    await expect(form.getByText("Registered example/*")).toBeVisible();
  });

  await test.step("the endpoint and its declared state survive a reload", async () => {
    await page.reload();
    const endpoints = page.locator("section", { has: page.getByRole("heading", { name: "Function endpoints" }) });
    const row = endpoints.getByRole("row", { name: /example\/\*/ });
    await expect(row.getByRole("rowheader", { name: "example/*", exact: true })).toBeVisible();
    await expect(row.getByRole("cell", { name: functions.url })).toBeVisible();
    // The call timeout as entered, the connect timeout at the async transport's default.
    await expect(row.getByRole("cell", { name: "30 s", exact: true })).toBeVisible();
    await expect(row.getByRole("cell", { name: "20 s", exact: true })).toBeVisible();
    await expect(row.getByRole("rowheader", { name: "visits" })).toBeVisible();
    await expect(row.getByRole("cell", { name: "io.statefun.types/int" })).toBeVisible();
  });

  await test.step("the exported module previews as unchanged", async () => {
    const module = page.locator("section", { has: page.getByRole("heading", { name: "Module YAML" }) });
    await expect(module.getByLabel("StateFun module (format 3.1)")).toHaveValue(/functions: example\/\*/);
    await expect(module.getByRole("button", { name: "Apply" })).toBeDisabled();
    await module.getByRole("button", { name: "Preview changes" }).click();
    await expect(module.getByText("No changes.")).toBeVisible();
    await expect(module.getByText("1 unchanged")).toBeVisible();
  });

  await test.step("pause it", async () => {
    await page.getByRole("button", { name: `Pause ${app}` }).click();
    const header = page.locator(".page-header");
    await expect(header.getByText("Paused", { exact: true })).toBeVisible();
    await expect(page.getByRole("button", { name: `Resume ${app}` })).toBeVisible();
    await page.reload();
    await expect(page.locator(".page-header").getByText("Paused", { exact: true })).toBeVisible();
  });

  await page.screenshot({ path: join(test.info().project.outputDir, "application.png"), fullPage: true });

  await test.step("delete it, confirmed by typing its name", async () => {
    const danger = page.locator("section", { has: page.getByRole("heading", { name: "Delete application" }) });
    const button = danger.getByRole("button", { name: "Delete application" });
    await expect(button).toBeDisabled();
    await danger.getByLabel(`Type ${app} to confirm`).fill(app);
    await button.click();
    await expect(page).toHaveURL(/\/applications$/);
    await expect(page.getByRole("link", { name: app, exact: true })).toHaveCount(0);
  });
});
