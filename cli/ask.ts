import { createInterface } from "node:readline/promises";
import { Writable } from "node:stream";
import { CliError, EXIT, usageError } from "./errors";
import { readInput } from "./input";

const atTerminal = () => !!process.stdin.isTTY && !!process.stderr.isTTY;

/**
 * A destructive action is confirmed by typing `expected` at a terminal; without one, --yes is required (a script
 * must say so rather than be asked).
 */
export async function confirmByTyping(what: string, expected: string): Promise<void> {
  if (!atTerminal()) throw usageError(`${what}: add --yes to confirm it without a terminal`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${what}.\nType ${JSON.stringify(expected)} to confirm: `);
    if (answer.trim() !== expected) throw new CliError("not confirmed; nothing was changed", EXIT.failed, "not-confirmed");
  } finally {
    rl.close();
  }
}

/**
 * A secret asked at the terminal without echoing it, or the first line of stdin when it is piped
 * (`printf %s "$PASSWORD" | statehouse login --user u`): never on the command line, where `ps` shows it.
 */
export async function askSecret(question: string): Promise<string> {
  if (!process.stdin.isTTY) return (await readInput("-")).toString("utf8").split(/\r?\n/)[0];
  if (!process.stderr.isTTY) throw usageError("no terminal to ask the password at: pipe it on stdin or give --password");
  // readline in terminal mode turns the terminal's echo off and echoes itself, to this output: muted for the answer
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  process.stderr.write(question);
  muted = true;
  try {
    return await rl.question("");
  } finally {
    rl.close();
    process.stderr.write("\n");
  }
}
