import type { Command } from "commander";
import { api } from "../../server/contracts/api";
import { intArg, parseAddress } from "../args";
import { confirmByTyping } from "../ask";
import { act, type Cli } from "../context";
import { preview, table, when } from "../output";

async function list(cli: Cli, o: { functionType?: string; error?: string; limit: number; cursor?: string }): Promise<void> {
  const page = await cli.client.call(api.listParked, { query: { functionType: o.functionType, error: o.error, limit: o.limit, cursor: o.cursor } });
  cli.out.result(page, () => {
    const lines =
      page.parked.length === 0
        ? [o.functionType || o.error ? "No parked address matches." : "No parked addresses."]
        : [table(["ADDRESS", "SINCE", "ATTEMPTS", "MAILBOX", "ERROR"], page.parked.map((p) => [p.address, when(p.since), p.attempts, p.mailboxLength, preview(p.error, 80)]))];
    if (page.next) lines.push(`more: --cursor ${page.next}`);
    return lines.join("\n\n");
  });
}

const unpark = (mode: "resume" | "skip") =>
  async function (cli: Cli, address: string, o: { yes?: boolean }): Promise<void> {
    const params = parseAddress(address);
    if (mode === "skip" && !o.yes) await confirmByTyping(`Drop the head message of ${address} (recorded in the audit log) and resume it`, "skip");
    const r = await cli.client.call(mode === "resume" ? api.resumeParked : api.skipParked, { params });
    cli.out.result(r, () => {
      const dropped = r.dropped ? `dropped its head message (${r.dropped.typename}: ${preview(r.dropped.value ?? `base64:${r.dropped.base64}`)}), ` : "";
      return `${mode === "resume" ? "Resumed" : "Skipped"} ${r.address}: ${dropped}${r.mailboxLength} message${r.mailboxLength === 1 ? "" : "s"} queued.`;
    });
  };

export function registerParked(program: Command): void {
  const p = program.command("parked").description("addresses whose call failed and that wait for an operator: list, resume, skip");
  p.command("list", { isDefault: true })
    .option("--function-type <ns/type>", "only this function type's addresses")
    .option("--error <text>", "only errors containing this (case-insensitive)")
    .option("--limit <n>", "addresses per page (1–500)", intArg(1), 50)
    .option("--cursor <cursor>", "the page after a previous one's")
    .description("parked addresses with their error and mailbox length")
    .action(act((cli, o: { functionType?: string; error?: string; limit: number; cursor?: string }) => list(cli, o)));
  p.command("resume").argument("<address>", "namespace/type/id").description("retry the head message (operator)").action(act(unpark("resume")));
  p.command("skip")
    .argument("<address>", "namespace/type/id")
    .option("--yes", "do not ask for confirmation (required without a terminal)")
    .description("drop the head message, then resume (operator; audited)")
    .action(act(unpark("skip")));
}
