import { hostname } from "node:os";
import type { Command } from "commander";
import { api } from "../../server/contracts/api";
import { CSRF_COOKIE, SESSION_COOKIE } from "../../server/contracts/auth";
import { configPath, DEFAULT_PROFILE, DEFAULT_URL, loadConfig, normalizeUrl, saveConfig, type Credentials, type Session } from "../config";
import { envToken, envUrl } from "../env";
import { CliError, EXIT, usageError } from "../errors";
import { ApiClient } from "../http";
import { askSecret } from "../ask";
import { act, type Cli } from "../context";
import { table, when } from "../output";

/** A cookie's value from the login answer's Set-Cookie headers. */
function cookieOf(res: Response, name: string): { value: string; maxAge: number | null } | null {
  for (const c of res.headers.getSetCookie()) {
    const [pair, ...attrs] = c.split(";");
    const i = pair.indexOf("=");
    if (pair.slice(0, i).trim() !== name) continue;
    const age = attrs.map((a) => /^\s*max-age=(\d+)/i.exec(a)).find(Boolean);
    return { value: decodeURIComponent(pair.slice(i + 1).trim()), maxAge: age ? Number(age[1]) : null };
  }
  return null;
}

interface Obtained {
  credentials: Credentials;
  tokenId?: string;
  /** The console user, when the credentials stand for one (a created token is named after the CLI). */
  user?: string;
  note?: string;
}

/**
 * Logs in with a user name and password, then creates an API token with the user's role (only admins may): the
 * token is kept, never the password. A user who may not create tokens keeps the console session instead.
 */
async function credentialsFromPassword(url: string, user: string, password: string, profile: string): Promise<Obtained> {
  const anonymous = new ApiClient({ url, credentials: null, profile: null });
  const res = await anonymous.send(api.login, { json: { username: user, password } });
  const info = await anonymous.decode(api.login, res);
  const cookie = cookieOf(res, SESSION_COOKIE);
  if (!cookie) throw new CliError("the login answer set no session cookie", EXIT.failed, "bad-response");
  const session: Session = {
    cookie: cookie.value,
    csrf: info.csrfToken ?? cookieOf(res, CSRF_COOKIE)?.value ?? null,
    expiresAt: cookie.maxAge === null ? null : new Date(Date.now() + cookie.maxAge * 1000).toISOString(),
  };
  const withSession = new ApiClient({ url, credentials: { kind: "session", session }, profile: null });
  try {
    const name = `statehouse-cli ${profile}@${hostname()} ${new Date().toISOString().slice(0, 10)}`;
    const created = await withSession.call(api.createToken, { json: { name, role: info.user.role } });
    await withSession.send(api.logout).catch(() => undefined);
    return { credentials: { kind: "token", token: created.token }, tokenId: created.id, user: info.user.name };
  } catch (e) {
    if (!(e instanceof CliError) || e.status !== 403) throw e;
    return { credentials: { kind: "session", session }, user: info.user.name, note: `${user} is ${info.user.role}, and only admins create API tokens: the console session is kept (it expires ${when(session.expiresAt)})` };
  }
}

async function login(cli: Cli, opts: { user?: string; password?: string; ingressUrl?: string }): Promise<void> {
  const { globals: g, config, out } = cli;
  const name = g.profile ?? DEFAULT_PROFILE;
  // a new profile starts from the default one's server: logging in as someone else there is the common case
  const url = normalizeUrl(g.url ?? envUrl ?? (config.profiles[name] ?? (config.default ? config.profiles[config.default] : undefined))?.url ?? DEFAULT_URL);
  if (opts.user && g.token) throw usageError("give either --token or --user and --password, not both");
  if (opts.password && !opts.user) throw usageError("--password goes with --user");
  const token = g.token ?? envToken;
  let got: Obtained;
  if (opts.user) got = await credentialsFromPassword(url, opts.user, opts.password ?? (await askSecret(`Password for ${opts.user} on ${url}: `)), name);
  else if (token) got = { credentials: { kind: "token", token } };
  else throw usageError("give --token <token> (or STATEHOUSE_TOKEN), or --user <name> --password <password>");

  // the check every later command relies on: a GET that needs authentication
  const who = (await new ApiClient({ url, credentials: got.credentials, profile: null }).call(api.session)).user;
  const user = got.user ?? who.name;
  const c = got.credentials!;
  const ingressUrl = opts.ingressUrl ? await checkIngress(normalizeUrl(opts.ingressUrl)) : undefined;
  const fresh = await loadConfig();
  fresh.profiles[name] = {
    url,
    ...(ingressUrl ? { ingressUrl } : {}),
    ...(c.kind === "token" ? { token: c.token } : { session: c.session }),
    ...(got.tokenId ? { tokenId: got.tokenId } : {}),
    user,
    role: who.role,
    savedAt: new Date().toISOString(),
  };
  fresh.default = name;
  await saveConfig(fresh);
  if (got.note) out.note(got.note);
  const view = { profile: name, url, ...(ingressUrl ? { ingressUrl } : {}), user, role: who.role, credentials: c.kind, tokenCreated: !!got.tokenId, configPath, default: true };
  out.result(view, () => `Logged in to ${url} as ${user} (${who.role})${ingressUrl ? `; send goes to ${ingressUrl}` : ""}; profile "${name}" saved in ${configPath} and made the default.`);
}

/** The lean ingress answers GET /healthz; a profile pointing at nothing would fail every later send. */
async function checkIngress(url: string): Promise<string> {
  const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) }).catch((e: Error) => {
    throw new CliError(`the ingress at ${url} does not answer (${e.cause instanceof Error ? e.cause.message : e.message}); is npm run ingress running?`, EXIT.unavailable, "unreachable");
  });
  await res.arrayBuffer();
  if (!res.ok) throw new CliError(`${url}/healthz answered ${res.status}: that is not a Statehouse ingress`, EXIT.failed, "not-an-ingress");
  return url;
}

async function logout(cli: Cli): Promise<void> {
  const { globals: g, config, out } = cli;
  const name = g.profile ?? config.default;
  const p = name ? config.profiles[name] : undefined;
  if (!name || !p) throw usageError(name ? `no profile "${name}" in ${configPath}` : `no profile to log out of (${configPath} has no default)`);
  const client = new ApiClient({ url: p.url, credentials: p.token ? { kind: "token", token: p.token } : p.session ? { kind: "session", session: p.session } : null, profile: name });
  let revoked: string | null = null;
  try {
    if (p.tokenId) await client.call(api.revokeToken, { params: { tokenId: p.tokenId } });
    else if (p.session) await client.call(api.logout);
    revoked = p.tokenId ? "the API token login created was revoked" : p.session ? "the session was ended" : null;
  } catch (e) {
    out.note(`warning: could not ${p.tokenId ? "revoke the API token" : "end the session"} on ${p.url}: ${(e as Error).message}`);
  }
  delete config.profiles[name];
  if (config.default === name) config.default = Object.keys(config.profiles)[0] ?? null;
  await saveConfig(config);
  out.result({ profile: name, removed: true, revoked: !!revoked, default: config.default }, () => `Removed profile "${name}"${revoked ? `; ${revoked}` : ""}.`);
}

function listProfiles(cli: Cli): Promise<void> {
  const { config, out } = cli;
  const rows = Object.entries(config.profiles).map(([name, p]) => ({
    name,
    default: name === config.default,
    url: p.url,
    user: p.user ?? null,
    role: p.role ?? null,
    credentials: p.token ? "token" : p.session ? "session" : "none",
    savedAt: p.savedAt,
  }));
  out.result({ configPath, default: config.default, profiles: rows }, () =>
    rows.length === 0
      ? `No profiles in ${configPath}; run statehouse login.`
      : table(["", "PROFILE", "URL", "USER", "ROLE", "CREDENTIALS", "SAVED"], rows.map((r) => [r.default ? "*" : "", r.name, r.url, r.user ?? "—", r.role ?? "—", r.credentials, when(r.savedAt)])),
  );
  return Promise.resolve();
}

async function useProfile(cli: Cli, name: string): Promise<void> {
  if (!cli.config.profiles[name]) throw usageError(`no profile "${name}" in ${configPath}`);
  cli.config.default = name;
  await saveConfig(cli.config);
  cli.out.result({ default: name }, () => `Profile "${name}" is now the default.`);
}

export function registerAuth(program: Command): void {
  program
    .command("login")
    .description("check credentials against the API and save them as a profile (--profile, default \"default\"), made the default")
    .option("--user <name>", "log in as a console user; an API token is created and kept (never the password)")
    .option("--password <password>", "the user's password (default: asked at the terminal, or the first line of stdin when piped)")
    .option("--ingress-url <url>", "the lean ingress (npm run ingress, usually :8080) that send uses from now on, with the same token")
    .action(act(login));
  program.command("logout").description("remove a profile (--profile, or the default), revoking the API token login created").action(act(logout));
  const profiles = program.command("profiles").description(`saved profiles (${configPath})`);
  profiles.command("list", { isDefault: true }).description("list profiles; * marks the default").action(act(listProfiles));
  profiles.command("use").argument("<name>").description("make a profile the default").action(act(useProfile));
}
