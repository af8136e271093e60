import { AppError } from "../errors";

/** Each part of a Redis stream id `ms-seq`, and a SCAN cursor, is an unsigned 64-bit integer. */
const U64_MAX = 18_446_744_073_709_551_615n;

/** A decimal Redis accepts as an unsigned 64-bit integer (stream id part, SCAN cursor). */
export const isU64 = (s: string): boolean => /^\d{1,20}$/.test(s) && BigInt(s) <= U64_MAX;

/**
 * A page cursor that is a Redis stream id (`?before=` of the history, `?after=` of egress), checked before it
 * reaches XRANGE: Redis answers a part beyond 2^64-1 with an error, not an empty range. `field` names the query
 * parameter in the 400. Returns both parts.
 */
export function parseStreamId(s: string, field: string): { ms: bigint; seq: bigint } {
  const [msText, seqText, ...rest] = s.split("-");
  if (rest.length > 0 || seqText === undefined || !isU64(msText) || !isU64(seqText))
    throw new AppError("validation-failed", `${field}: must be a stream id returned by a previous page (ms-seq, each part at most ${U64_MAX})`, {
      issues: [{ path: field, message: "must be a stream id returned by a previous page" }],
    });
  return { ms: BigInt(msText), seq: BigInt(seqText) };
}

/** No id is smaller than `0-0`: an exclusive range ending before it is empty (Redis calls it an invalid interval). */
export const isMinStreamId = (id: { ms: bigint; seq: bigint }) => id.ms === 0n && id.seq === 0n;

/** No id is larger than `U64_MAX-U64_MAX`: an exclusive range starting after it is empty. */
export const isMaxStreamId = (id: { ms: bigint; seq: bigint }) => id.ms === U64_MAX && id.seq === U64_MAX;
