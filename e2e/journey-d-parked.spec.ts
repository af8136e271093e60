import { expect, test } from "@playwright/test";
import { EGRESS_ID, flakyApplication, readAddress, sendText, waitParked } from "./flaky-function";
import { ADMIN_TOKEN, shot } from "./helpers";
import { signIn } from "./sign-in";

/**
 * Journey (d), issue #15 item 9: a failing function parks an address; the function is fixed; the operator resumes
 * the address from the parked page; its mailbox drains and the row disappears.
 */
const flaky = flakyApplication("e2e-parked", { broken: true });
const { app, namespace } = flaky;
const id = "order/1 ü"; // a `/`, a space and a non-ASCII letter: the address link must encode the id

test("a failing function parks an address; after the fix, Resume on /parked drains its mailbox", async ({ page, request }) => {
  test.setTimeout(120_000);
  const fn = flaky.fn;
  const filterUrl = `/parked?type=${encodeURIComponent(fn.functionType)}`;

  await test.step("three messages to a function answering HTTP 500: the address parks after its 2 s call budget", async () => {
    for (const n of [1, 2, 3]) await sendText(request, ADMIN_TOKEN, fn.functionType, id, `message ${n}`);
    const parked = await waitParked(request, ADMIN_TOKEN, fn.functionType, id);
    expect(parked.parked!.error).toMatch(/500/);
    expect(parked.mailbox.length).toBe(3);
    expect(fn.failures).toBeGreaterThan(0);
  });

  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: id, exact: true }) });

  await test.step("the parked page, filtered by the function type, lists it with its error, attempts and mailbox", async () => {
    await signIn(page, filterUrl);
    await expect(page.getByRole("heading", { level: 1, name: "Parked addresses" })).toBeVisible();
    await expect(page.getByLabel("Function type")).toHaveValue(fn.functionType);
    await expect(row).toHaveCount(1, { timeout: 15_000 });
    await expect(row).toContainText("500");
    await expect(row).toContainText("3 messages");
    await expect(row.getByRole("link", { name: id, exact: true })).toHaveAttribute(
      "href",
      `/functions/${encodeURIComponent(namespace)}/flaky/${encodeURIComponent(id)}`,
    );
    // the filter is applied by the server: only this type's rows are listed
    const types = await page.locator("table.parked-table tbody tr td:nth-child(2)").allTextContents();
    expect(new Set(types)).toEqual(new Set([fn.functionType]));
    await shot(page, "d1-parked-row");
  });

  await test.step("Resume while the function still fails: the address parks again, the mailbox is kept", async () => {
    const before = (await readAddress(request, ADMIN_TOKEN, fn.functionType, id))!.parked!.since;
    await row.getByRole("button", { name: `Resume ${fn.functionType}/${id}` }).click();
    await expect(page.getByRole("status").filter({ hasText: "Resumed" })).toContainText("3 messages queued");
    await expect
      .poll(async () => (await readAddress(request, ADMIN_TOKEN, fn.functionType, id))?.parked?.since ?? "", { timeout: 30_000 })
      .not.toBe(before);
    await page.reload();
    await expect(row).toHaveCount(1, { timeout: 15_000 });
    await shot(page, "d2-parked-again");
  });

  await test.step("fix the function, then Resume: the row disappears", async () => {
    fn.broken = false;
    await row.getByRole("button", { name: `Resume ${fn.functionType}/${id}` }).click();
    await expect(page.getByRole("status").filter({ hasText: "Resumed" })).toBeVisible();
    await expect(row).toHaveCount(0, { timeout: 15_000 });
    await expect(page.getByText(`No parked address of ${fn.functionType}`)).toBeVisible();
    await shot(page, "d3-resumed");
  });

  await test.step("the mailbox drains: three messages handled, in order, nothing parked", async () => {
    await expect
      .poll(async () => {
        const s = await readAddress(request, ADMIN_TOKEN, fn.functionType, id);
        return s ? { mailbox: s.mailbox.length, parked: Boolean(s.parked), handled: s.values.find((v) => v.name === "handled")?.value } : null;
      }, { timeout: 30_000 })
      .toEqual({ mailbox: 0, parked: false, handled: 3 });
  });

  await test.step("the egress tail shows what the fixed function sent, newest on top", async () => {
    await page.goto(`/egress?app=${app}&egress=${encodeURIComponent(EGRESS_ID)}`);
    const records = page.getByRole("list", { name: "Egress records, newest first" }).getByRole("listitem");
    await expect(records).toHaveCount(3, { timeout: 15_000 });
    await expect(records.first()).toContainText(`${id} #3: message 3`);
    await expect(records.last()).toContainText(`${id} #1: message 1`);
    await shot(page, "d4-egress");
  });

  await test.step("the audit log has both resumes, linked to the address page", async () => {
    await page.goto(`/audit?targetType=address&target=${encodeURIComponent(`${fn.functionType}/${id}`)}`);
    const events = page.getByRole("row").filter({ hasText: "parked.resume" });
    await expect(events).toHaveCount(2);
    await expect(events.first().getByRole("link", { name: `${fn.functionType}/${id}`, exact: true })).toHaveAttribute(
      "href",
      `/functions/${encodeURIComponent(namespace)}/flaky/${encodeURIComponent(id)}`,
    );
    await shot(page, "d5-audit");
  });
});
