import type { Command } from "commander";
import { formatBytes, formatDuration } from "../../app/lib/format";
import { api } from "../../server/contracts/api";
import { intArg } from "../args";
import { act, type Cli } from "../context";
import { confirmByTyping } from "../ask";
import { table, when } from "../output";
import { waitForJob, waitForSavepoint } from "../wait";
import { registerSavepointTransfer } from "./savepoint-transfer";
import { renderDiff, renderSavepoint } from "./savepoint-view";

async function create(cli: Cli, app: string, o: { label?: string; wait?: boolean }): Promise<void> {
  const accepted = await cli.client.call(api.createSavepoint, { params: { app }, json: { label: o.label } });
  if (!o.wait) {
    cli.out.result(accepted, () => `Savepoint ${accepted.id} of ${app} is ${accepted.status}; follow it with statehouse savepoint list ${app}, or add --wait.`);
    return;
  }
  const sp = await waitForSavepoint(cli, accepted.id);
  cli.out.result(sp, () => renderSavepoint(sp));
}

async function list(cli: Cli, app: string): Promise<void> {
  const { savepoints } = await cli.client.call(api.listSavepoints, { params: { app } });
  cli.out.result({ savepoints }, () =>
    savepoints.length === 0
      ? `No savepoints of ${app} yet; take one with statehouse savepoint create ${app} --wait.`
      : table(
          ["ID", "LABEL", "STATUS", "ORIGIN", "ADDRESSES", "VALUES", "SIZE", "TAKEN", "DURATION"],
          savepoints.map((s) => [s.id, s.label || "—", s.status, s.origin, s.addresses, s.values, formatBytes(s.bytes), when(s.createdAt), formatDuration(s.durationMs)]),
        ),
  );
}

async function diff(cli: Cli, id: string, o: { against: string; limit: number; cursor?: string }): Promise<void> {
  const d = await cli.client.call(api.diffSavepoint, { params: { id }, query: { against: o.against, limit: o.limit, cursor: o.cursor } });
  cli.out.result(d, () => renderDiff(d));
}

async function rollback(cli: Cli, id: string, o: { yes?: boolean; wait?: boolean }): Promise<void> {
  const target = await cli.client.call(api.getSavepoint, { params: { id } });
  if (!o.yes) await confirmByTyping(`Roll ${target.application} back to savepoint ${id}: its live state becomes the savepoint's (egress already sent is not recalled)`, target.application);
  const r = await cli.client.call(api.rollbackSavepoint, { params: { id } });
  const undo = `statehouse savepoint rollback ${r.preRollbackSavepointId}`;
  if (!o.wait) {
    cli.out.result({ application: target.application, ...r }, () => `Rollback of ${target.application} started (job ${r.jobId}); undo with: ${undo}\n${r.note}`);
    return;
  }
  const job = await waitForJob(cli, r.jobId, "rollback");
  const report = (job.result ?? {}) as Record<string, unknown>;
  cli.out.result({ application: target.application, ...r, job }, () =>
    [`Rolled ${target.application} back to ${id}: ${report.restored ?? "?"} restored, ${report.removed ?? "?"} emptied, ${report.unchanged ?? "?"} unchanged, in ${formatDuration(Number(report.ms))}.`, `Undo with: ${undo}`, r.note].join("\n"),
  );
}

export function registerSavepoint(program: Command): void {
  const s = program.command("savepoint").description("savepoints: create, list, diff, export, import, rollback");
  s.command("create")
    .argument("<app>")
    .option("--label <text>")
    .option("--wait", "wait until it is complete, with a progress bar")
    .description("take a savepoint of the application without pausing it (operator)")
    .action(act(create));
  s.command("list").argument("<app>").description("the application's savepoints, newest first").action(act(list));
  s.command("diff")
    .argument("<id>", "savepoint id")
    .option("--against <live|id>", "live state, or another savepoint of the application", "live")
    .option("--limit <n>", "addresses listed (1–500); the counts are always complete", intArg(1), 100)
    .option("--cursor <cursor>", "the entries after a previous page's")
    .description("added, removed and changed addresses with per-value before → after")
    .action(act(diff));
  registerSavepointTransfer(s);
  s.command("rollback")
    .argument("<id>", "savepoint id")
    .option("--yes", "do not ask for confirmation (required without a terminal)")
    .option("--wait", "wait until the rollback has finished, with a progress bar")
    .description("make the application's live state the savepoint's, online (admin); a savepoint of the current state is taken first")
    .action(act(rollback));
}
