import { expect, test } from "@playwright/test";
import { EGRESS_ID, flakyApplication, readAddress, sendText, waitParked } from "./flaky-function";
import { ADMIN_TOKEN, expectAccessibleAndNarrow, shot, uniqueName } from "./helpers";
import { signIn } from "./sign-in";

/**
 * The operations pages of issue #15 item 6 — parked (skip, resume-all), egress tail (pause keeps what is shown),
 * audit (filters in the URL, linked targets), admin users and tokens — each checked with axe in light and dark
 * and at 390 px.
 */
const flaky = flakyApplication("e2e-ops", { broken: true });
const { app } = flaky;

test("parked: skip drops the head message after a typed confirmation; resume-all counts first, then resumes with progress", async ({ page, request }) => {
  test.setTimeout(120_000);
  const fn = flaky.fn;
  fn.broken = true;
  await sendText(request, ADMIN_TOKEN, fn.functionType, "a", "a1");
  await sendText(request, ADMIN_TOKEN, fn.functionType, "a", "a2");
  for (const id of ["b", "c"]) await sendText(request, ADMIN_TOKEN, fn.functionType, id, `${id}1`);
  for (const id of ["a", "b", "c"]) await waitParked(request, ADMIN_TOKEN, fn.functionType, id);

  await signIn(page, `/parked?type=${encodeURIComponent(fn.functionType)}`);
  const rows = page.locator("table.parked-table tbody tr").filter({ has: page.getByRole("link") });
  await expect(rows).toHaveCount(3, { timeout: 15_000 });
  await expectAccessibleAndNarrow(page, "parked");

  await test.step("skip needs the word typed; it drops exactly the head message", async () => {
    await page.getByRole("button", { name: `Skip head message of ${fn.functionType}/a` }).click();
    const drop = page.getByRole("button", { name: "Drop the head message and resume" });
    await expect(drop).toBeDisabled();
    await page.getByLabel("Type skip to confirm").fill("skip");
    await shot(page, "parked-skip-confirm");
    await drop.click();
    await expect(page.getByRole("status").filter({ hasText: "Skipped the head message" })).toContainText("1 message left");
    const a = await readAddress(request, ADMIN_TOKEN, fn.functionType, "a");
    expect(a?.mailbox.length).toBe(1);
  });

  await test.step("resume-all: the preview counts the filter's matches; nothing is resumed before the confirmation", async () => {
    await waitParked(request, ADMIN_TOKEN, fn.functionType, "a"); // still broken: it parks again
    const since = (await readAddress(request, ADMIN_TOKEN, fn.functionType, "b"))!.parked!.since;
    await page.getByRole("button", { name: "Count matching addresses" }).click();
    await expect(page.getByText(`3 parked addresses of ${fn.functionType}`)).toBeVisible();
    expect((await readAddress(request, ADMIN_TOKEN, fn.functionType, "b"))!.parked!.since).toBe(since);
    await shot(page, "parked-resume-all-preview");
    await page.getByRole("button", { name: "Resume all 3" }).click();
    await expect(page.getByText("Done: 3 of 3 handled")).toBeVisible({ timeout: 15_000 });
    await expect(page.getByText("3 resumed · 0 were no longer parked · 0 failures")).toBeVisible();
    await expect.poll(async () => (await readAddress(request, ADMIN_TOKEN, fn.functionType, "b"))?.parked?.since ?? since, { timeout: 20_000 }).not.toBe(since);
    await shot(page, "parked-resume-all-done");
  });

  await test.step("the filter is in the query string and applied by the server", async () => {
    await page.getByLabel("Error contains").fill("no such error text");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await expect(page).toHaveURL(/error=no\+such\+error\+text|error=no%20such%20error%20text/);
    await expect(rows).toHaveCount(0);
    await expect(page.getByText(/No parked address of .* with an error containing/)).toBeVisible();
  });
});

test("egress: newest on top; pausing the tail keeps what is shown, resuming catches up", async ({ page, request }) => {
  test.setTimeout(90_000);
  const fn = flaky.fn;
  fn.broken = false;
  await sendText(request, ADMIN_TOKEN, fn.functionType, "e1", "first");
  await expect.poll(async () => (await readAddress(request, ADMIN_TOKEN, fn.functionType, "e1"))?.version ?? 0, { timeout: 20_000 }).toBeGreaterThan(0);

  await signIn(page, `/egress?app=${app}&egress=${encodeURIComponent(EGRESS_ID)}`);
  const records = page.getByRole("list", { name: "Egress records, newest first" }).getByRole("listitem");
  await expect(records.filter({ hasText: "e1 #1: first" })).toHaveCount(1, { timeout: 15_000 });
  await page.getByText("Raw bytes").first().click();
  await expectAccessibleAndNarrow(page, "egress");

  await page.getByRole("button", { name: "Pause tail" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Paused" })).toBeVisible();
  const shown = await records.count();
  await sendText(request, ADMIN_TOKEN, fn.functionType, "e1", "second");
  await expect.poll(async () => (await readAddress(request, ADMIN_TOKEN, fn.functionType, "e1"))?.version ?? 0, { timeout: 20_000 }).toBeGreaterThan(1);
  await page.waitForTimeout(3000); // more than a poll interval: a running tail would have shown it
  await expect(records).toHaveCount(shown);
  await expect(page.getByText("e1 #2: second")).toHaveCount(0);
  await shot(page, "egress-paused");

  await page.getByRole("button", { name: "Resume tail" }).click();
  await expect(records.first()).toContainText("e1 #2: second", { timeout: 10_000 });
  await expect(records).toHaveCount(shown + 1);

  await page.getByLabel("Topic").selectOption("flaky");
  await expect(page).toHaveURL(/topic=flaky/);
  await expect(records.first()).toContainText("e1 #2: second", { timeout: 10_000 });
  await shot(page, "egress-topic");
});

test("audit: filters by target type, target and actor live in the URL; targets link to their pages", async ({ page }) => {
  await signIn(page, "/audit");
  await expect(page.getByRole("heading", { level: 1, name: "Audit" })).toBeVisible();
  await page.getByLabel("Target type").selectOption("application");
  await page.getByLabel("Target", { exact: true }).fill(app);
  await page.getByRole("button", { name: "Filter", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`targetType=application&target=${app}`));
  const rows = page.locator("tbody tr:not(.audit-detail)");
  await expect(rows.filter({ hasText: "application.create" })).toHaveCount(1);
  const targets = await page.locator("td.audit-target .mono").allTextContents();
  expect(new Set(targets)).toEqual(new Set([app]));
  await expect(rows.first().getByRole("link", { name: app, exact: true })).toHaveAttribute("href", `/applications/${app}`);
  await expectAccessibleAndNarrow(page, "audit");

  await rows.first().getByRole("link", { name: "admin-token" }).click();
  await expect(page).toHaveURL(/\/audit\?actor=admin-token$/);
  await expect(page.getByLabel("Actor")).toHaveValue("admin-token");
  const actors = await page.locator("tbody tr:not(.audit-detail) td:nth-child(2) a").allTextContents();
  expect(actors.length).toBeGreaterThan(0);
  expect(new Set(actors)).toEqual(new Set(["admin-token"]));
  await shot(page, "audit-by-actor");
});

test("admin: create a user, change the role, disable and enable; create a token (secret shown once), revoke it", async ({ page, request, playwright, baseURL }) => {
  test.setTimeout(90_000);
  const user = { username: uniqueName("ops-user"), password: "ops-password-123" };
  await signIn(page, "/admin/users");
  await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();

  await test.step("create a user", async () => {
    await page.getByLabel("User name").fill(user.username);
    await page.getByLabel("Password", { exact: true }).fill(user.password);
    await page.getByLabel("Role", { exact: true }).selectOption("operator");
    await page.getByRole("button", { name: "Create user" }).click();
    await expect(page.getByRole("status").filter({ hasText: `Created ${user.username} (operator)` })).toBeVisible();
  });
  const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: user.username }) });

  await test.step("change the role", async () => {
    await row.getByLabel(`Role of ${user.username}`).selectOption("viewer");
    await row.getByRole("button", { name: `Save role of ${user.username}` }).click();
    await expect(page.getByRole("status").filter({ hasText: `${user.username} is now viewer` })).toBeVisible();
    const listed = (await (await request.get("/api/v1/users", { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).json()).users;
    expect(listed.find((u: { username: string }) => u.username === user.username).role).toBe("viewer");
  });

  await test.step("disable (confirmed in the page): the user can no longer sign in; enable again", async () => {
    await row.getByRole("button", { name: `Disable… ${user.username}` }).click();
    await page.getByRole("button", { name: `Disable ${user.username}`, exact: true }).click();
    await expect(row).toContainText("Disabled");
    const anon = await playwright.request.newContext({ baseURL });
    expect((await anon.post("/api/v1/auth/login", { data: user })).status()).toBeGreaterThanOrEqual(400);
    await row.getByRole("button", { name: `Enable ${user.username}` }).click();
    await expect(row).toContainText("Active");
    expect((await anon.post("/api/v1/auth/login", { data: user })).status()).toBe(200);
    await anon.dispose();
    await expectAccessibleAndNarrow(page, "admin-users");
  });

  const tokenName = uniqueName("ops-token");
  let secret = "";
  await test.step("create a token: its secret is shown once, with a warning", async () => {
    await page.goto("/admin/tokens");
    await page.getByLabel("Name").fill(tokenName);
    await page.getByLabel("Role", { exact: true }).selectOption("viewer");
    await page.getByRole("button", { name: "Create token" }).click();
    await expect(page.getByText("this is the only time it is shown")).toBeVisible();
    secret = await page.getByLabel("The new token’s secret").inputValue();
    expect(secret).toMatch(/^sh_/);
    await expect(page.getByRole("button", { name: "Copy token" })).toBeVisible();
    await shot(page, "tokens-secret-once");
    await expectAccessibleAndNarrow(page, "admin-tokens");
    const use = await request.get("/api/v1/applications", { headers: { Authorization: `Bearer ${secret}` } });
    expect(use.status()).toBe(200);
    await page.getByRole("button", { name: "I have stored it" }).click();
    await page.reload();
    await expect(page.getByRole("rowheader", { name: tokenName })).toBeVisible();
    expect(await page.content()).not.toContain(secret);
  });

  await test.step("revoke it (typed confirmation): the secret stops working", async () => {
    const tokenRow = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: tokenName }) });
    await tokenRow.getByRole("button", { name: `Revoke… ${tokenName}` }).click();
    const revoke = page.getByRole("button", { name: "Revoke token" });
    await expect(revoke).toBeDisabled();
    await page.getByLabel(`Type ${tokenName} to confirm`).fill(tokenName);
    await revoke.click();
    await expect(tokenRow).toContainText("Revoked");
    const refused = await request.get("/api/v1/applications", { headers: { Authorization: `Bearer ${secret}` } });
    expect(refused.status()).toBe(401);
    await shot(page, "tokens-revoked");
  });
});
