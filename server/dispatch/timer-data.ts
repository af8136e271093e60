import type { Partitioning } from "./keys";

/**
 * A delayed message's record in its sender partition's timer-data hash: length-prefixed fields `<len>:<bytes>` —
 * token key (`<sender address>\0<token>`, "" without a token), target partition prefix, target address, target
 * function type, target ready key, target partition — then the mailbox entry as the rest (fire-timers-5.lua).
 * The prefixes and partition numbers are this deployment's, so export/import re-encodes with `timerRecord`.
 */
const lengthPrefixed = (s: string) => {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from(`${b.length}:`), b]);
};

/** The record without its token key (commit-9.lua prepends that). */
export function timerPayload(keys: Partitioning, target: { address: string; functionType: string; entry: Buffer }): Buffer {
  const tp = keys.partitionOf(target.address);
  return Buffer.concat([...[keys.pp(tp), target.address, target.functionType, keys.ready(tp), String(tp)].map(lengthPrefixed), target.entry]);
}

export function timerRecord(keys: Partitioning, tokenKey: string, target: { address: string; functionType: string; entry: Buffer }): Buffer {
  return Buffer.concat([lengthPrefixed(tokenKey), timerPayload(keys, target)]);
}

export interface DecodedTimer {
  tokenKey: string;
  address: string;
  functionType: string;
  entry: Buffer;
}

export function decodeTimerRecord(data: Buffer): DecodedTimer {
  const parts: string[] = [];
  let pos = 0;
  for (let i = 0; i < 6; i++) {
    const colon = data.indexOf(0x3a, pos);
    if (colon < 0) throw new Error("corrupt timer record");
    const len = Number(data.toString("latin1", pos, colon));
    parts.push(data.toString("utf8", colon + 1, colon + 1 + len));
    pos = colon + 1 + len;
  }
  return { tokenKey: parts[0], address: parts[2], functionType: parts[3], entry: data.subarray(pos) };
}
