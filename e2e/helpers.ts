import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";

/** The bootstrap credentials playwright.config.ts gives the web server. */
export const ADMIN = { username: "admin", password: "e2e-admin-password" };
export const ADMIN_TOKEN = "e2e-admin-token-0123456789";

export const uniqueName = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

export async function loginInBrowser(page: Page, creds = ADMIN): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Username").fill(creds.username);
  await page.getByLabel("Password").fill(creds.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL((url) => url.pathname === "/"); // the overview
}

/** Creates an API token with the admin bearer token and returns its secret. */
export async function createToken(request: APIRequestContext, role: "viewer" | "operator" | "admin"): Promise<string> {
  const res = await request.post("/api/v1/tokens", {
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    data: { name: uniqueName(`e2e-${role}`), role },
  });
  expect(res.status(), await res.text()).toBe(201);
  const body = (await res.json()) as { token: string };
  return body.token;
}

interface AppSummary {
  name: string;
}
interface AppDetail {
  endpoints: Array<{ id: string; functions: string }>;
}

/**
 * Function types are bound once across all applications. A journey that registers `<namespace>/*` first
 * removes such bindings left by earlier runs of e2e applications (named `e2e-…`), so reruns against the
 * same database do not fail with `already-exists`.
 */
export async function releaseNamespace(request: APIRequestContext, namespace: string): Promise<void> {
  const headers = { Authorization: `Bearer ${ADMIN_TOKEN}` };
  let cursor: string | null = null;
  do {
    const res = await request.get("/api/v1/applications", { headers, params: { limit: 200, ...(cursor ? { cursor } : {}) } });
    expect(res.status(), await res.text()).toBe(200);
    const page = (await res.json()) as { applications: AppSummary[]; next: string | null };
    for (const app of page.applications.filter((a) => a.name.startsWith("e2e-"))) {
      const detail = (await (await request.get(`/api/v1/applications/${app.name}`, { headers })).json()) as AppDetail;
      for (const e of detail.endpoints.filter((x) => x.functions.split("/")[0] === namespace)) {
        const del = await request.delete(`/api/v1/applications/${app.name}/endpoints/${e.id}`, { headers });
        expect(del.status(), await del.text()).toBe(200);
      }
    }
    cursor = page.next;
  } while (cursor);
}

/** The playground greeter as a module: example/* at `url` (the official SDK's functions) and the egress it writes. */
export const greeterModuleYaml = (url: string) => `kind: io.statefun.endpoints.v2/http
spec:
  functions: example/*
  urlPathTemplate: ${url}
---
kind: io.statefun.playground.v1/egress
spec:
  port: 8091
  topics: [greetings]
`;

export async function deleteApplication(request: APIRequestContext, name: string): Promise<void> {
  await request.delete(`/api/v1/applications/${name}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
}

/** A full-page screenshot kept with the test's output (playwright.config.ts outputDir, a CI artifact). */
export async function shot(page: Page, name: string): Promise<string> {
  const path = test.info().outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * The page as it is now: no serious or critical axe violation in the light and the dark system scheme (each
 * result noted as an `axe` annotation), and no horizontal page scroll at 390 px wide. Leaves the page light, at
 * its former size.
 */
export async function expectAccessibleAndNarrow(page: Page, name: string): Promise<void> {
  const size = page.viewportSize();
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const result = await new AxeBuilder({ page }).analyze();
    const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`), `${name}, ${scheme}`).toEqual([]);
    test.info().annotations.push({ type: "axe", description: `${name} (${scheme}): ${result.violations.length} violations, none serious or critical` });
    if (scheme === "dark") await shot(page, `${name}-dark`);
  }
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 390, height: 844 });
  // the renderer takes the new size a moment after the call returns: measure once it has
  await page.waitForFunction(() => window.innerWidth === 390);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, `${name}: document width at 390 px`).toBeLessThanOrEqual(390);
  await shot(page, `${name}-390px`);
  if (size) await page.setViewportSize(size);
}
