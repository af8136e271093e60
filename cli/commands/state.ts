import type { Command } from "commander";
import type { z } from "zod";
import { api } from "../../server/contracts/api";
import type { AddressState, PatchState, SetStateValue } from "../../server/contracts/state";
import { collect, intArg, parseAddress, parseFunctionType, parseJsonArg } from "../args";
import { act, type Cli } from "../context";
import { usageError } from "../errors";
import { fields, preview, table, when } from "../output";

function renderState(s: AddressState): string {
  const status = s.parked ? `parked since ${when(s.parked.since)} after ${s.parked.attempts} attempts: ${s.parked.error}` : s.leased ? "in flight" : s.held ? "held (application paused)" : "idle";
  const parts = [
    fields([
      ["address", s.address],
      ["version", s.version],
      ["status", status],
      ["mailbox", `${s.mailbox.length} message${s.mailbox.length === 1 ? "" : "s"}`],
    ]),
  ];
  if (s.values.length)
    parts.push(
      table(
        ["STATE", "TYPENAME", "VALUE", "WRITTEN"],
        s.values.map((v) => [v.name, v.typename, v.present ? preview(v.value ?? (v.base64 !== undefined ? `base64:${v.base64}` : undefined)) : v.expired ? "(expired)" : "(absent)", when(v.writtenAt)]),
      ),
    );
  if (s.mailbox.head.length)
    parts.push(table(["QUEUED", "TYPENAME", "FROM", "VALUE"], s.mailbox.head.map((m) => [when(m.enqueuedAt), m.typename, m.caller ?? "ingress", preview(m.value ?? `base64:${m.base64}`)])));
  return parts.join("\n\n");
}

async function get(cli: Cli, address: string): Promise<void> {
  const s = await cli.client.call(api.getState, { params: parseAddress(address) });
  cli.out.result(s, () => renderState(s));
}

async function list(cli: Cli, functionType: string, o: { prefix?: string; limit: number; cursor?: string }): Promise<void> {
  const page = await cli.client.call(api.listAddresses, { params: parseFunctionType(functionType), query: { prefix: o.prefix, limit: o.limit, cursor: o.cursor } });
  cli.out.result(page, () => {
    if (page.addresses.length === 0) return `No addresses of ${functionType}${o.prefix ? ` starting with "${o.prefix}"` : ""} in the checkpoint yet.`;
    const rows = table(
      ["ID", "VERSION", "STATUS", "MAILBOX", "UPDATED"],
      page.addresses.map((a) => [a.id, a.version, a.status, a.mailboxLength, when(a.updatedAt)]),
    );
    return page.next ? `${rows}\n\nmore: --cursor ${page.next}` : rows;
  });
  if (page.checkpoint && page.checkpoint.lagMs > 2000) cli.out.note(`(listed from the checkpoint, ${Math.round(page.checkpoint.lagMs / 1000)} s behind)`);
}

/** `name=json` pairs of --set. */
function parseSets(sets: string[], base64: string[]): Record<string, z.input<typeof SetStateValue>> {
  const out: Record<string, z.input<typeof SetStateValue>> = {};
  const split = (s: string, flag: string): [string, string] => {
    const i = s.indexOf("=");
    if (i <= 0) throw usageError(`${flag} takes name=value; got ${s}`);
    return [s.slice(0, i), s.slice(i + 1)];
  };
  for (const s of sets) {
    const [name, json] = split(s, "--set");
    out[name] = { value: parseJsonArg(json, `the value of --set ${name}`) };
  }
  for (const s of base64) {
    const [name, b64] = split(s, "--set-base64");
    out[name] = { base64: b64 };
  }
  return out;
}

interface PatchOptions {
  set?: string[];
  setBase64?: string[];
  delete?: string[];
  expectedVersion?: number;
  reason?: string;
}

async function patch(cli: Cli, address: string, o: PatchOptions): Promise<void> {
  if (o.expectedVersion === undefined) throw usageError("--expected-version is required: the version you read (statehouse state get); a stale one is refused with exit 5");
  const set = parseSets(o.set ?? [], o.setBase64 ?? []);
  const del = o.delete ?? [];
  if (Object.keys(set).length === 0 && del.length === 0) throw usageError("give at least one --set name=json, --set-base64 name=b64 or --delete name");
  const body: z.input<typeof PatchState> = { expectedVersion: o.expectedVersion, ...(Object.keys(set).length ? { set } : {}), ...(del.length ? { delete: del } : {}), reason: o.reason };
  const r = await cli.client.call(api.patchState, { params: parseAddress(address), json: body });
  cli.out.result(r, () => `Patched ${r.address}: version ${o.expectedVersion} → ${r.version}${r.audited ? "" : " (the audit record could not be written)"}.`);
}

async function history(cli: Cli, address: string, o: { limit: number; before?: string }): Promise<void> {
  const h = await cli.client.call(api.stateHistory, { params: parseAddress(address), query: { limit: o.limit, before: o.before } });
  cli.out.result(h, () => {
    if (h.commits.length === 0) return `No commits of ${h.address} in the retained changelog.`;
    const rows = table(
      ["VERSION", "KIND", "AT", "CONSUMED", "MUTATIONS", "SENT", "EGRESS"],
      h.commits.map((c) => [c.version, c.kind, when(c.at), c.consumed, c.mutations.map((m) => `${m.op === "delete" ? "-" : ""}${m.name}${m.op === "set" ? `=${preview(m.value, 20)}` : ""}`).join(" ") || "—", c.outgoing.length + c.delayed, c.egress]),
    );
    return h.next ? `${rows}\n\nolder: --before ${h.next}` : rows;
  });
}

export function registerState(program: Command): void {
  const s = program.command("state").description("addresses' state: get, list, patch, history");
  s.command("get").argument("<address>", "namespace/type/id").description("one address: version, state values, mailbox, parked error").action(act(get));
  s.command("list")
    .argument("<function-type>", "namespace/type")
    .option("--prefix <text>", "only ids starting with this")
    .option("--limit <n>", "addresses per page (1–500)", intArg(1), 50)
    .option("--cursor <cursor>", "the page after a previous one's")
    .description("addresses of a function type, sorted by id (from the checkpoint, about a second behind)")
    .action(act(list));
  s.command("patch")
    .argument("<address>", "namespace/type/id")
    .option("--set <name=json>", "set a state value from JSON (repeatable)", collect)
    .option("--set-base64 <name=base64>", "set a state value's raw bytes (repeatable)", collect)
    .option("--delete <name>", "delete a state value (repeatable)", collect)
    .option("--expected-version <n>", "the version you read; refused (exit 5) when the address moved on", intArg(0))
    .option("--reason <text>", "recorded in the audit log")
    .description("versioned write of registered state values (operator)")
    .action(act(patch));
  s.command("history")
    .argument("<address>", "namespace/type/id")
    .option("--limit <n>", "commits (1–200)", intArg(1), 20)
    .option("--before <cursor>", "only commits older than a previous page's")
    .description("recent commits and patches, newest first")
    .action(act(history));
}
