import { expect, test } from "@playwright/test";
import { EGRESS_ID, flakyApplication, readAddress, sendText, waitParked } from "./flaky-function";
import { ADMIN_TOKEN, expectAccessibleAndNarrow, loginInBrowser, shot } from "./helpers";

/**
 * The address page of a parked address (issue #15 item 4): its error and mailbox head, Skip head confirmed by
 * typing (the head message is gone: the function never sees it), and Resume once the function is fixed.
 */
const flaky = flakyApplication("e2e-ap", { broken: true });
const id = "p/1 %";

test("a parked address: skip its head message from the address page, fix the function, resume", async ({ page, request }) => {
  test.setTimeout(120_000);
  const fn = flaky.fn;
  const status = page.getByTestId("address-status");

  await test.step("two messages to a broken function: the address parks on the first", async () => {
    await sendText(request, ADMIN_TOKEN, fn.functionType, id, "one");
    await sendText(request, ADMIN_TOKEN, fn.functionType, id, "two");
    await waitParked(request, ADMIN_TOKEN, fn.functionType, id);
    await loginInBrowser(page);
    await page.goto(`/functions/${encodeURIComponent(flaky.namespace)}/flaky/${encodeURIComponent(id)}`);
    await expect(status).toHaveText("Parked");
    const mailbox = page.locator("section", { has: page.getByRole("heading", { name: "Mailbox" }) });
    await expect(mailbox.getByRole("group", { name: "Parked" })).toContainText("500");
    await expect(page.getByTestId("mailbox-length")).toHaveText("2 messages queued");
    await expect(mailbox.getByRole("row").nth(1)).toContainText('"one"');
    await shot(page, "p1-parked");
    await expectAccessibleAndNarrow(page, "p2-parked-address");
  });

  await test.step("skip the head message, confirmed by typing skip: the next one is tried (and fails again)", async () => {
    await page.getByRole("button", { name: "Skip head message…" }).click();
    const skip = page.getByRole("button", { name: "Skip head message", exact: true });
    await expect(skip).toBeDisabled();
    await page.getByLabel(/^Type skip to drop the head message/).fill("skip");
    await shot(page, "p3-skip-confirm");
    await skip.click();
    await expect(page.getByRole("status").filter({ hasText: "Skipped" })).toBeVisible();
    await expect(page.getByTestId("mailbox-length")).toHaveText("1 message queued");
    // still broken: parked again, now on "two"
    await expect.poll(async () => (await readAddress(request, ADMIN_TOKEN, fn.functionType, id))?.parked?.attempts ?? 0, { timeout: 30_000 }).toBeGreaterThan(0);
    await expect(status).toHaveText("Parked", { timeout: 15_000 });
    await shot(page, "p4-skipped-parked-again");
  });

  await test.step("fix the function and resume: only the second message is handled", async () => {
    fn.broken = false;
    await page.getByRole("button", { name: "Resume", exact: true }).click();
    await expect(page.getByTestId("address-version")).toHaveText("1", { timeout: 20_000 });
    await expect(status).toHaveText("Idle");
    await expect(page.getByTestId("mailbox-length")).toHaveText("0 messages queued");
    const handled = page.locator(".value-item", { has: page.getByRole("heading", { name: "handled", exact: true }) });
    await expect(handled.locator(".value-primitive")).toHaveText("1");
    await expect(page.getByTestId("egress-records")).toContainText(`${id} #1: two`);
    await expect(page.getByRole("link", { name: EGRESS_ID })).toBeVisible();
    await shot(page, "p5-resumed");
  });
});
