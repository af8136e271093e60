import { expect, type Page } from "@playwright/test";
import { ADMIN } from "./helpers";

/** Signs in through the login form and lands on `next` (whatever the console's default landing page is). */
export async function signIn(page: Page, next: string, creds: { username: string; password: string } = ADMIN): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Username").fill(creds.username);
  await page.getByLabel("Password").fill(creds.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).not.toHaveURL(/\/login/);
}
