import type { Command } from "commander";
import { loadConfig, resolveConnection, type ConfigFile, type Globals } from "./config";
import { ApiClient } from "./http";
import { makeOutput, type Output } from "./output";

/** What every command's action gets: the global flags, the profiles file, an API client and the output. */
export interface Cli {
  globals: Globals;
  config: ConfigFile;
  readonly client: ApiClient;
  out: Output;
}

export async function cliOf(cmd: Command): Promise<Cli> {
  const globals = cmd.optsWithGlobals<Globals>();
  const config = await loadConfig();
  let client: ApiClient | null = null;
  return {
    globals,
    config,
    // resolved on first use: login, logout and profiles work on a profile that does not exist yet or points nowhere
    get client() {
      return (client ??= new ApiClient(resolveConnection(globals, config)));
    },
    out: makeOutput(!!globals.json),
  };
}

/**
 * A commander action taking the Cli first: `act(async (cli, app, opts) => …)`. Commander passes the operands, the
 * command's options and the command itself; the last is used to build the Cli and dropped.
 */
export const act =
  <A extends unknown[]>(fn: (cli: Cli, ...args: A) => Promise<void>) =>
  async (...raw: unknown[]): Promise<void> => {
    const cmd = raw[raw.length - 1] as Command;
    await fn(await cliOf(cmd), ...(raw.slice(0, -1) as A));
  };
