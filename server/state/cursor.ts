import type { z } from "zod";
import { AppError } from "../errors";
import { findUnstorable } from "../contracts/stored-text";

/** Opaque page cursors: base64url JSON, validated on the way back in (a forged or stale one is a 400). */
export function encodeCursor(v: unknown): string {
  return Buffer.from(JSON.stringify(v), "utf8").toString("base64url");
}

export function decodeCursor<T extends z.ZodType>(schema: T, cursor: string): z.output<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  const r = schema.safeParse(parsed);
  // A forged cursor's strings reach Postgres queries and Redis keys: no NUL or lone surrogate.
  if (!r.success || findUnstorable(r.data)) throw new AppError("validation-failed", "query.cursor: must be a cursor returned by a previous page of this listing", { field: "cursor" });
  return r.data;
}
