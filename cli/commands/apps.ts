import type { Command } from "commander";
import { api } from "../../server/contracts/api";
import type { Application } from "../../server/contracts/registry";
import { act, type Cli } from "../context";
import { fields, table, when } from "../output";

const appRows = (apps: Application[]) =>
  table(
    ["APPLICATION", "STATUS", "ENDPOINTS", "INGRESSES", "EGRESSES", "UPDATED"],
    apps.map((a) => [a.name, a.paused ? "paused" : "running", a.endpointCount, a.ingressCount, a.egressCount, when(a.updatedAt)]),
  );

async function list(cli: Cli): Promise<void> {
  const applications: Application[] = [];
  let cursor: string | undefined;
  do {
    const page = await cli.client.call(api.listApplications, { query: { limit: 200, cursor } });
    applications.push(...page.applications);
    cursor = page.next ?? undefined;
  } while (cursor);
  cli.out.result({ applications }, () => (applications.length ? appRows(applications) : "No applications; create one with statehouse apps create <name>."));
}

async function get(cli: Cli, app: string): Promise<void> {
  const a = await cli.client.call(api.getApplication, { params: { app } });
  cli.out.result(a, () => {
    const parts = [
      fields([
        ["application", a.name],
        ["status", a.paused ? `paused ${when(a.pausedAt)}` : "running"],
        ["description", a.description || "—"],
        ["created", when(a.createdAt)],
        ["updated", when(a.updatedAt)],
      ]),
    ];
    if (a.endpoints.length)
      parts.push(table(["FUNCTIONS", "URL", "TYPES SEEN", "PROBED"], a.endpoints.map((e) => [e.functions, e.urlPathTemplate, e.seenTypes.length, when(e.probedAt)])));
    const io = [...a.ingresses.map((i) => ["ingress", i.id, i.kind]), ...a.egresses.map((e) => ["egress", e.id, e.kind])];
    if (io.length) parts.push(table(["IO", "ID", "KIND"], io));
    return parts.join("\n\n");
  });
}

async function create(cli: Cli, name: string, opts: { description?: string }): Promise<void> {
  const a = await cli.client.call(api.createApplication, { json: { name, description: opts.description } });
  cli.out.result(a, () => `Created application ${a.name}; apply a module with statehouse module apply ${a.name} module.yaml`);
}

const setPaused = (paused: boolean) =>
  async function (cli: Cli, app: string): Promise<void> {
    const a = await cli.client.call(paused ? api.pauseApplication : api.resumeApplication, { params: { app } });
    cli.out.result(a, () => (paused ? `Paused ${a.name}: dispatch stopped (ingress is still accepted).` : `Resumed ${a.name}: dispatch restarted.`));
  };

export function registerApps(program: Command): void {
  const apps = program.command("apps").description("applications: list, get, create, pause, resume");
  apps.command("list", { isDefault: true }).description("list applications").action(act(list));
  apps.command("get").argument("<app>").description("one application with its endpoints, ingresses and egresses").action(act(get));
  apps.command("create").argument("<name>").option("--description <text>").description("create an application (admin)").action(act(create));
  apps.command("pause").argument("<app>").description("stop dispatch for the application's function types (operator)").action(act(setPaused(true)));
  apps.command("resume").argument("<app>").description("restart dispatch (operator)").action(act(setPaused(false)));
}
