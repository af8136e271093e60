import type { z } from "zod";
import { formatBytes, formatDuration, plural } from "../../app/lib/format";
import type { Diff, Savepoint } from "../../server/contracts/savepoints";
import { fields, preview, when } from "../output";

export function renderSavepoint(s: z.infer<typeof Savepoint>): string {
  return fields([
    ["savepoint", s.id],
    ["application", s.application],
    ["label", s.label || "—"],
    ["status", s.status + (s.error ? `: ${s.error}` : "")],
    ["taken", `${when(s.createdAt)} by ${s.createdBy} (${s.origin})`],
    ["duration", formatDuration(s.durationMs)],
    ["content", `${plural(s.addresses, "address", "addresses")}, ${plural(s.values, "value")}, ${formatBytes(s.bytes)}, ${plural(s.messages, "in-flight message")}, ${plural(s.timers, "timer")}`],
  ]);
}

const SIGN = { added: "+", removed: "-", changed: "~" } as const;

export function renderDiff(d: z.infer<typeof Diff>): string {
  const lines = [`savepoint ${d.savepoint} against ${d.against}: ${d.counts.added} added, ${d.counts.removed} removed, ${d.counts.changed} changed`];
  for (const e of d.entries) {
    const values = e.values.map((v) => `${v.name}: ${v.before ? preview(v.before.value ?? `base64:${v.before.base64}`, 30) : "(none)"} → ${v.after ? preview(v.after.value ?? `base64:${v.after.base64}`, 30) : "(none)"}`);
    if (e.mailbox) values.push(`mailbox: ${e.mailbox.before} → ${e.mailbox.after}`);
    lines.push(`${SIGN[e.change]} ${e.address}${values.length ? `  ${values.join("; ")}` : ""}`);
  }
  if (d.next) lines.push(`more: --cursor ${d.next}`);
  return lines.join("\n");
}

