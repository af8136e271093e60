import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { CliError, EXIT } from "./errors";

const cannotRead = (path: string, e: unknown) => new CliError(`cannot read ${path}: ${(e as Error).message}`, EXIT.usage, "usage");

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A whole file, or stdin for `-`. */
export async function readInput(path: string): Promise<Buffer> {
  if (path === "-") return readStdin();
  try {
    return await readFile(path);
  } catch (e) {
    throw cannotRead(path, e);
  }
}

/** A file (or stdin for `-`) to read as it goes, with its size when known (for progress). */
export async function openInput(path: string): Promise<{ stream: Readable; size: number | null }> {
  if (path === "-") return { stream: process.stdin, size: null };
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error("not a file");
    return { stream: createReadStream(path), size: s.size };
  } catch (e) {
    throw cannotRead(path, e);
  }
}

/** stdin when it is piped (not a terminal), for a command whose value may come from it. */
export const stdinIsPiped = () => !process.stdin.isTTY;
