import { expect, type APIRequestContext, type Page } from "@playwright/test";

/** The bootstrap credentials playwright.config.ts gives the web server. */
export const ADMIN = { username: "admin", password: "e2e-admin-password" };
export const ADMIN_TOKEN = "e2e-admin-token-0123456789";

export const uniqueName = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

export async function loginInBrowser(page: Page, creds = ADMIN): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Username").fill(creds.username);
  await page.getByLabel("Password").fill(creds.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/applications$/);
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
