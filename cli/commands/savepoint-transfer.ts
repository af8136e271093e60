import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { Readable, Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import { formatBytes } from "../../app/lib/format";
import { api } from "../../server/contracts/api";
import { act, type Cli } from "../context";
import { openInput } from "../input";
import { progressBar, type Progress } from "../progress";
import { waitForSavepoint } from "../wait";
import { renderSavepoint } from "./savepoint-view";

/** Passes bytes through, counting them and the lines they end, and reporting each chunk. */
function counter(onChunk: (bytes: number, lines: number) => void): Transform {
  let bytes = 0;
  let lines = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
      onChunk(bytes, lines);
      done(null, chunk);
    },
  });
}

/** Streams the export (a header line, then one line per address) to a file or stdout, never holding it whole. */
async function exportSavepoint(cli: Cli, id: string, o: { output?: string }): Promise<void> {
  const sp = await cli.client.call(api.getSavepoint, { params: { id } });
  const res = await cli.client.send(api.exportSavepoint, { params: { id }, headers: { accept: "application/x-ndjson" } });
  const toFile = o.output !== undefined && o.output !== "-";
  const bar: Progress = toFile ? progressBar("export", { json: cli.out.json, unit: "addresses" }) : progressBar("", { json: true });
  let counted = { bytes: 0, lines: 0 };
  const count = counter((bytes, lines) => {
    counted = { bytes, lines };
    bar.update(Math.max(0, lines - 1), sp.addresses, formatBytes(bytes));
  });
  const sink: Writable = toFile ? createWriteStream(o.output!, { mode: 0o600 }) : process.stdout;
  try {
    await pipeline(Readable.fromWeb(res.body! as import("node:stream/web").ReadableStream), count, sink, { end: toFile });
  } catch (e) {
    if (toFile) await rm(o.output!, { force: true });
    throw e;
  } finally {
    bar.stop();
  }
  const result = { savepoint: id, application: sp.application, file: toFile ? o.output : null, bytes: counted.bytes, lines: counted.lines, addresses: Math.max(0, counted.lines - 1) };
  if (toFile) cli.out.result(result, () => `Exported savepoint ${id} of ${sp.application}: ${result.addresses} addresses, ${formatBytes(result.bytes)} → ${o.output}`);
  else cli.out.note(`exported ${result.addresses} addresses, ${formatBytes(result.bytes)}`);
}

/** Uploads the file as it is read (an export may be hundreds of MiB), with a progress bar of the bytes sent. */
async function importSavepoint(cli: Cli, app: string, file: string, o: { wait?: boolean }): Promise<void> {
  const { stream, size } = await openInput(file);
  const bar = progressBar("import", { json: cli.out.json || size === null, bytes: true });
  const counted = stream.pipe(counter((bytes) => bar.update(bytes, size ?? undefined, bytes === size ? "validating and storing…" : "uploading")));
  let sp;
  try {
    sp = await cli.client.call(api.importSavepoint, { params: { app }, body: Readable.toWeb(counted) as ReadableStream<Uint8Array>, contentType: "application/x-ndjson" });
  } finally {
    bar.stop();
  }
  // the server stores the whole file before it answers; --wait also covers a server that answers earlier
  if (o.wait && sp.status !== "complete") sp = await waitForSavepoint(cli, sp.id);
  const done = sp;
  cli.out.result(done, () => `Imported ${file} into ${app}; roll back onto it to make it live state:\n${renderSavepoint(done)}`);
}

export function registerSavepointTransfer(s: Command): void {
  s.command("export")
    .argument("<id>", "savepoint id")
    .option("-o, --output <file>", "write to this file (default: stdout)")
    .description("the savepoint as NDJSON: a header line, then one address per line")
    .action(act(exportSavepoint));
  s.command("import")
    .argument("<app>")
    .argument("<file>", "an export's NDJSON, or - for stdin")
    .option("--wait", "wait until the imported savepoint is complete")
    .description("create a savepoint of the application from an exported file (operator); every line is validated first")
    .action(act(importSavepoint));
}
