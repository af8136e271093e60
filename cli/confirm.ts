import { createInterface } from "node:readline/promises";
import { CliError, EXIT, usageError } from "./errors";

/**
 * A destructive action is confirmed by typing `expected` at a terminal; without one, --yes is required (a script
 * must say so rather than be asked).
 */
export async function confirmByTyping(what: string, expected: string): Promise<void> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) throw usageError(`${what}: add --yes to confirm it without a terminal`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${what}.\nType ${JSON.stringify(expected)} to confirm: `);
    if (answer.trim() !== expected) throw new CliError("not confirmed; nothing was changed", EXIT.failed, "not-confirmed");
  } finally {
    rl.close();
  }
}
