import { readFileSync } from "node:fs";
import { Command } from "commander";
import { EXIT_CODES_HELP, report } from "./errors";
import { registerAuth } from "./commands/auth";
import { registerApps } from "./commands/apps";
import { registerModule } from "./commands/module";
import { registerSend } from "./commands/send";
import { registerState } from "./commands/state";
import { registerSavepoint } from "./commands/savepoint";
import { registerParked } from "./commands/parked";
import { registerEgress } from "./commands/egress";
import { registerTop } from "./commands/top";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

// `statehouse … | head` closes the pipe early: that ends the command quietly, not with a stack trace
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });

/** Known before parsing ends, so that commander's own errors are also printed as JSON. */
const jsonMode = process.argv.includes("--json");

const program = new Command("statehouse")
  .description("Statehouse from the terminal: applications, modules, messages, state, savepoints, egress and metrics")
  .version(version)
  .option("--url <url>", "API base URL (default: $STATEHOUSE_URL, else the profile's, else http://127.0.0.1:3000)")
  .option("--token <token>", "API token (default: $STATEHOUSE_TOKEN, else the profile's)")
  .option("--profile <name>", "use this saved profile instead of the default one")
  .option("--json", "print JSON on stdout (and errors as JSON on stderr)")
  // inherited by every command added below: commander's exits come back here as CommanderErrors
  .exitOverride()
  .configureOutput({ outputError: (s, write) => (jsonMode ? undefined : write(s)) })
  .showHelpAfterError("(add --help for usage)")
  .configureHelp({ showGlobalOptions: true })
  .addHelpText(
    "after",
    `
Environment:
  STATEHOUSE_URL, STATEHOUSE_TOKEN   the API and token (flags beat them; they beat the profile)
  STATEHOUSE_CONFIG                  the profiles file (default $XDG_CONFIG_HOME/statehouse/config.json)

${EXIT_CODES_HELP}`,
  );

registerAuth(program);
registerApps(program);
registerModule(program);
registerSend(program);
registerState(program);
registerSavepoint(program);
registerParked(program);
registerEgress(program);
registerTop(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.exitCode = report(e, jsonMode);
}
