import { expect, test } from "@playwright/test";
import { expectAccessibleAndNarrow, loginInBrowser } from "./helpers";

// The pages no journey checks: the sign-in page and the applications list. Every other console page is checked
// by its journey's spec (axe in light and dark, no horizontal scroll at 390 px); the counts of each run are in
// the JSON report's `axe` annotations.

test("the sign-in page: axe in light and dark, 390 px without horizontal scroll", async ({ page }) => {
  await page.goto("/login");
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  await expectAccessibleAndNarrow(page, "login");
});

test("the applications list: axe in light and dark, 390 px without horizontal scroll", async ({ page }) => {
  await loginInBrowser(page);
  await page.goto("/applications");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expectAccessibleAndNarrow(page, "applications");
});
