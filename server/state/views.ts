import type { z } from "zod";
import type { MailboxEntryView } from "../contracts/state";
import { decodeEntry, decodeInvocation } from "../dispatch/entries";
import { describeValue } from "../protocol/typed-values";

export const iso = (ms: number) => new Date(ms).toISOString();

/** A stored value for display: kind, decoded value when possible, the bytes as base64. */
export function valueView(typename: string, bytes: Uint8Array) {
  const d = describeValue(typename, bytes, true);
  return {
    kind: d.kind,
    ...(d.value !== undefined ? { value: d.value } : {}),
    base64: d.base64,
    sizeBytes: d.sizeBytes,
    ...(d.error ? { error: d.error } : {}),
  };
}

/** A mailbox entry (`id \0 enqueuedAt \0 Invocation`) for display; a corrupt entry is shown as such, never thrown. */
export function mailboxEntryView(raw: Buffer): z.infer<typeof MailboxEntryView> {
  try {
    const e = decodeEntry(raw);
    const inv = decodeInvocation(e.invocation);
    const arg = inv.argument;
    const caller = inv.caller ? `${inv.caller.namespace}/${inv.caller.type}/${inv.caller.id}` : null;
    const typename = arg?.typename ?? "";
    const bytes = arg?.value ?? new Uint8Array();
    const view = describeValue(typename, bytes, Boolean(arg?.hasValue) || bytes.length > 0);
    return {
      id: e.id,
      typename,
      caller,
      enqueuedAt: iso(e.enqueuedAt),
      kind: view.kind,
      ...(view.value !== undefined ? { value: view.value } : {}),
      base64: view.base64,
      sizeBytes: view.sizeBytes,
    };
  } catch (e) {
    return { id: "", typename: "", caller: null, enqueuedAt: iso(0), kind: "binary", value: `corrupt mailbox entry: ${(e as Error).message}`, base64: raw.toString("base64"), sizeBytes: raw.length };
  }
}

/** Compact value for audit rows: decoded when small, otherwise only its size (audit rows are not a backup). */
export function auditValue(typename: string, bytes: Buffer | null): unknown {
  if (bytes === null) return null;
  const d = describeValue(typename, bytes, true);
  if (bytes.length <= 4096) return d.value !== undefined ? { value: d.value } : { base64: d.base64 };
  return { sizeBytes: bytes.length };
}
