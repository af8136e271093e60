import type { Command } from "commander";
import { api } from "../../server/contracts/api";
import { typenameProblem } from "../../server/contracts/names";
import { intArg, parseAddress } from "../args";
import { normalizeUrl } from "../config";
import { act, type Cli } from "../context";
import { usageError } from "../errors";
import { readInput, stdinIsPiped } from "../input";
import { sendNdjson } from "./send-ndjson";

export interface SendOptions {
  type?: string;
  file?: string;
  idempotencyKey?: string;
  ndjson?: string;
  ingressUrl?: string;
  chunk: number;
}

async function sendOne(cli: Cli, target: string, value: string | undefined, o: SendOptions, baseUrl: string | undefined): Promise<void> {
  const params = parseAddress(target);
  if (o.type) {
    const p = typenameProblem(o.type, "--type");
    if (p) throw usageError(p);
  }
  if (value !== undefined && o.file) throw usageError("give the value or --file, not both");
  let body: Uint8Array;
  if (value !== undefined && value !== "-") body = Buffer.from(value, "utf8");
  else if (o.file) body = await readInput(o.file);
  else if (value === "-" || stdinIsPiped()) body = await readInput("-");
  else throw usageError("give the message: a value, --file <path>, or pipe it on stdin");
  const headers: Record<string, string> = o.idempotencyKey ? { "idempotency-key": o.idempotencyKey } : {};
  // application/vnd.<typename> sends the bytes as they are; text/plain sends an io.statefun.types/string
  const contentType = o.type ? `application/vnd.${o.type}` : "text/plain; charset=utf-8";
  const r = await cli.client.call(api.sendMessage, { params, body, contentType, headers, baseUrl });
  const typename = o.type ?? "io.statefun.types/string";
  cli.out.result({ target, typename, ...r }, () => `${r.duplicate ? "Duplicate (already accepted)" : "Accepted"}: ${typename} → ${target} (message ${r.messageId})`);
}

async function send(cli: Cli, target: string | undefined, value: string | undefined, o: SendOptions): Promise<void> {
  const baseUrl = o.ingressUrl ? normalizeUrl(o.ingressUrl) : cli.client.conn.ingressUrl;
  if (o.ndjson !== undefined) {
    if (target !== undefined || o.type || o.file || o.idempotencyKey) throw usageError("--ndjson takes every message from the file: no target, value, --type, --file or --idempotency-key");
    return sendNdjson(cli, o.ndjson, { chunk: o.chunk, baseUrl });
  }
  if (target === undefined) throw usageError("give the target address namespace/type/id, or --ndjson <file>");
  return sendOne(cli, target, value, o, baseUrl);
}

export function registerSend(program: Command): void {
  program
    .command("send")
    .argument("[target]", "the address, namespace/type/id")
    .argument("[value]", "the message (JSON or text); - or a pipe reads stdin")
    .option("--type <typename>", "the message's typename, e.g. example/GreetRequest: the value is sent as is (default: io.statefun.types/string)")
    .option("--file <path>", "read the message from a file")
    .option("--idempotency-key <key>", "a retry with the same key is accepted once")
    .option("--ndjson <file>", "send many messages from NDJSON (- for stdin), one {target, typename, value|base64, idempotencyKey?} per line")
    .option("--chunk <lines>", "NDJSON lines per request", intArg(1), 500)
    .option("--ingress-url <url>", "send to the lean ingress (usually :8080) instead of --url; same paths and token (default: $STATEHOUSE_INGRESS_URL, else the profile's, from login --ingress-url)")
    .description("send one message to an address, or many from an NDJSON file (operator)")
    .action(act((cli, target: string | undefined, value: string | undefined, o: SendOptions) => send(cli, target, value, o)));
}
