import { createInterface } from "node:readline";
import { api } from "../../server/contracts/api";
import { BatchResult } from "../../server/contracts/messages";
import type { z } from "zod";
import type { Cli } from "../context";
import { CliError, EXIT } from "../errors";
import { openInput } from "../input";
import { progressBar } from "../progress";
import { plural } from "../../app/lib/format";

/** One request's body stays under this even when --chunk allows more lines (the server's INGRESS limits). */
const CHUNK_MAX_BYTES = 1024 * 1024;
/** Rejected lines listed in the result; the count is always complete. */
const REJECTED_SHOWN = 1000;

type Rejection = z.infer<typeof BatchResult>["rejected"][number];

interface Totals {
  lines: number;
  requests: number;
  accepted: number;
  duplicates: number;
  rejectedCount: number;
  rejected: Rejection[];
}

/**
 * POSTs the file to /api/v1/ingress in chunks of whole lines, in order, one request at a time. The server numbers
 * lines within a request; they are shifted back to the file's numbering. A chunk none of whose lines is valid is
 * refused whole (400 with the rejected lines in details): counted as rejections, and sending goes on.
 */
export async function sendNdjson(cli: Cli, path: string, o: { chunk: number; baseUrl?: string }): Promise<void> {
  const { stream, size } = await openInput(path);
  const bar = size === null ? null : progressBar("send", { json: cli.out.json, bytes: true });
  const t: Totals = { lines: 0, requests: 0, accepted: 0, duplicates: 0, rejectedCount: 0, rejected: [] };
  let chunk: string[] = [];
  let chunkBytes = 0;
  let firstLine = 1;
  let bytesRead = 0;

  const reject = (line: number, code: string, error: string) => {
    t.rejectedCount++;
    if (t.rejected.length < REJECTED_SHOWN) t.rejected.push({ line, code, error });
  };

  const flush = async () => {
    const lines = chunk;
    const offset = firstLine - 1;
    firstLine += lines.length;
    chunk = [];
    chunkBytes = 0;
    const nonBlank = lines.filter((l) => l.trim() !== "").length;
    if (nonBlank === 0) return;
    t.requests++;
    try {
      const r = await cli.client.call(api.sendBatch, { body: lines.join("\n"), contentType: "application/x-ndjson", baseUrl: o.baseUrl });
      t.accepted += r.accepted;
      t.duplicates += r.duplicates;
      for (const x of r.rejected) reject(x.line + offset, x.code, x.error);
    } catch (e) {
      const listed = e instanceof CliError && e.status === 400 ? BatchResult.shape.rejected.safeParse(e.details?.rejected) : null;
      if (!listed?.success) throw e;
      const byLine = new Map(listed.data.map((x) => [x.line, x]));
      lines.forEach((l, i) => {
        if (l.trim() === "") return;
        const x = byLine.get(i + 1);
        reject(offset + i + 1, x?.code ?? "bad-request", x?.error ?? "refused with the rest of its chunk (no line of it was valid)");
      });
    }
    bar?.update(bytesRead, size ?? undefined, `${t.accepted} accepted, ${t.rejectedCount} rejected`);
  };

  try {
    for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
      t.lines++;
      const n = Buffer.byteLength(line) + 1;
      bytesRead += n;
      if (chunk.length > 0 && chunkBytes + n > CHUNK_MAX_BYTES) await flush();
      chunk.push(line);
      chunkBytes += n;
      if (chunk.length >= o.chunk) await flush();
    }
    await flush();
  } finally {
    bar?.stop();
  }
  const result = { lines: t.lines, requests: t.requests, accepted: t.accepted, duplicates: t.duplicates, rejected: t.rejectedCount, rejectedLines: t.rejected };
  cli.out.result(result, () =>
    [
      `Sent ${plural(t.lines, "line")} in ${plural(t.requests, "request")}: ${t.accepted} accepted (${t.duplicates} duplicates), ${t.rejectedCount} rejected.`,
      ...t.rejected.slice(0, 20).map((r) => `  line ${r.line}: ${r.error}`),
      ...(t.rejectedCount > 20 ? [`  … and ${t.rejectedCount - 20} more (--json lists up to ${REJECTED_SHOWN})`] : []),
    ].join("\n"),
  );
  if (t.rejectedCount > 0) throw new CliError(`${t.rejectedCount} of the file's messages were rejected`, EXIT.failed, "lines-rejected");
}
