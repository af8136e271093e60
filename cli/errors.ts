import { CommanderError } from "commander";

/** Exit codes scripts can rely on (printed in `statehouse --help`). */
export const EXIT = {
  ok: 0,
  /** The API refused the request (a 4xx not listed below), a job failed, or NDJSON lines were rejected. */
  failed: 1,
  usage: 2,
  /** 401 or 403: no valid credentials, or a role too low. */
  auth: 3,
  notFound: 4,
  conflict: 5,
  /** The server could not be reached, or answered 5xx. */
  unavailable: 6,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  the API refused the request (4xx other than below), a job failed, or NDJSON lines were rejected
  2  usage error (unknown command or option, bad argument)
  3  not authenticated or forbidden (401/403)
  4  not found (404)
  5  conflict (409), e.g. a stale --expected-version
  6  server unreachable or failing (connection refused, 5xx)`;

/** An expected failure: printed as its message (never a stack trace), exiting with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly code: string,
    readonly details?: Record<string, unknown>,
    readonly status?: number,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage, "usage");

export function exitCodeOfStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 409) return EXIT.conflict;
  if (status >= 500) return EXIT.unavailable;
  return EXIT.failed;
}

/** Commander's own exits: help and version are success, everything else it refuses is a usage error. */
const COMMANDER_OK = new Set(["commander.helpDisplayed", "commander.version", "commander.executeSubCommandAsync"]);

function asCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof CommanderError) {
    if (COMMANDER_OK.has(e.code)) return new CliError("", EXIT.ok, e.code);
    return new CliError(e.message.replace(/^error: /, ""), EXIT.usage, e.code);
  }
  const message = e instanceof Error ? e.message : String(e);
  return new CliError(message, EXIT.failed, "internal");
}

/**
 * Prints a failure on stderr — the API's message, or with --json `{"error": {code, message, details?, status?}}` —
 * and returns the exit code. Commander has already printed its own usage errors in text mode.
 */
export function report(e: unknown, json: boolean): ExitCode {
  const err = asCliError(e);
  if (err.exitCode === EXIT.ok) return EXIT.ok;
  const fromCommander = e instanceof CommanderError;
  if (json) {
    const body = { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}), ...(err.status ? { status: err.status } : {}) };
    process.stderr.write(`${JSON.stringify({ error: body, exitCode: err.exitCode })}\n`);
  } else if (!fromCommander) {
    process.stderr.write(`statehouse: ${err.message}\n`);
  }
  return err.exitCode;
}
