#!/usr/bin/env node
/**
 * What a new user needs once the stack is up: the console URL, the login, the API token, and three copy-paste
 * commands (send with curl, read the egress, the same with the CLI). Printed by `npm run demo` when everything
 * answers, and by docker-compose.yml's one-shot `welcome` service. Node built-ins only.
 *
 *   node scripts/banner.mjs [--host localhost] [--cli "docker compose exec web npx statehouse" --cli-ingress http://ingress:8080]
 *
 * Standalone, it takes the demo settings from the environment it is given (a launcher, like scripts/demo.mjs).
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

/**
 * @param {{ host: string, webPort: number|string, ingressPort: number|string, playgroundIngress: number|string,
 *   playgroundEgress: number|string, user: string, password: string, token: string, cli: string, cliIngress?: string,
 *   playgroundToken?: boolean, color?: boolean }} o  cliIngress: the fast ingress as the CLI reaches it (default:
 *   http://host:ingressPort); playgroundToken: PLAYGROUND_TOKEN is set, so the playground ports want it
 */
export function banner(o) {
  const c = (code, s) => (o.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const web = `http://${o.host}:${o.webPort}`;
  const pgAuth = o.playgroundToken ? `-H "Authorization: Bearer $PLAYGROUND_TOKEN" ` : "";
  const lines = [
    "",
    c("1;32", "Statehouse is up."),
    "",
    `  console    ${c("1", web)}`,
    `  login      ${o.user} / ${o.password}`,
    `  API token  ${o.token}`,
    `  ingress    http://${o.host}:${o.ingressPort}/api/v1/ingress/{namespace}/{type}/{id}   (fast path, Bearer token)`,
    `  playground ingress :${o.playgroundIngress}, egress :${o.playgroundEgress}   ${o.playgroundToken ? "(Bearer $PLAYGROUND_TOKEN)" : "(no credentials, this machine only)"}`,
    "",
    c("2", "  # 1. send a greeting, as in the StateFun playground"),
    `  curl -X PUT ${pgAuth}-H "Content-Type: application/vnd.example/GreetRequest" -d '{"name": "Bob"}' ${o.host}:${o.playgroundIngress}/example/person/Bob`,
    c("2", "  # 2. read it from the playground egress"),
    `  curl -X GET ${pgAuth}${o.host}:${o.playgroundEgress}/greetings`,
    c("2", "  # 3. the same with the CLI: sign in once, send through the fast ingress, read the egress"),
    `  ${o.cli} login --url ${web} --token ${o.token} --ingress-url ${o.cliIngress ?? `http://${o.host}:${o.ingressPort}`}`,
    `  ${o.cli} send example/person/Bob --type example/GreetRequest '{"name": "Bob"}' && ${o.cli} egress tail io.statefun.playground/egress --topic greetings`,
    "",
    c("2", `  A trickle of greetings and cart messages keeps the console alive; its own egress records are taken back.`),
    c("2", `  Demo credentials: change STATEHOUSE_ADMIN_PASSWORD and STATEHOUSE_ADMIN_TOKEN for anything real.`),
    "",
  ];
  return lines.join("\n");
}

export const DEMO_PASSWORD = "statehouse-demo";
export const DEMO_TOKEN = "statehouse-demo-admin-token";

/** The demo defaults are printed; a value of your own is named, not printed (the banner ends up in logs). */
export function shownCredentials(e) {
  const password = e.STATEHOUSE_ADMIN_PASSWORD || DEMO_PASSWORD;
  const token = e.STATEHOUSE_ADMIN_TOKEN || DEMO_TOKEN;
  return {
    password: password === DEMO_PASSWORD ? password : "(your STATEHOUSE_ADMIN_PASSWORD)",
    token: token === DEMO_TOKEN ? token : "$STATEHOUSE_ADMIN_TOKEN",
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({ options: { host: { type: "string", default: "localhost" }, cli: { type: "string", default: "npx statehouse" }, "cli-ingress": { type: "string" } } });
  const e = process.env;
  console.log(
    banner({
      host: values.host,
      webPort: e.PORT || 3000,
      ingressPort: e.INGRESS_PORT || 8080,
      playgroundIngress: 8090,
      playgroundEgress: 8091,
      user: e.STATEHOUSE_ADMIN_USER || "admin",
      ...shownCredentials(e),
      cli: values.cli,
      cliIngress: values["cli-ingress"],
      playgroundToken: !!e.PLAYGROUND_TOKEN,
      color: !!process.stdout.isTTY && !e.NO_COLOR,
    }),
  );
}
