import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { Role } from "../server/contracts/common";
import { configPath, envIngressUrl, envToken, envUrl } from "./env";
import { CliError, EXIT, usageError } from "./errors";

export const DEFAULT_URL = "http://127.0.0.1:3000";
export const DEFAULT_PROFILE = "default";

/** A console session, kept only when the user may not create API tokens (12 h by default; never the password). */
const Session = z.object({ cookie: z.string(), csrf: z.string().nullable(), expiresAt: z.string().nullable() });
export type Session = z.infer<typeof Session>;

const Profile = z.object({
  url: z.string(),
  /** The lean ingress (`npm run ingress`, :8080) that `send` uses instead of url, with the same token. */
  ingressUrl: z.string().optional(),
  token: z.string().optional(),
  /** The API token `login --user` created, revoked again by `logout`. */
  tokenId: z.string().optional(),
  session: Session.optional(),
  /** Who the credentials are, as the server said at login. */
  user: z.string().optional(),
  role: Role.optional(),
  savedAt: z.string(),
});
export type Profile = z.infer<typeof Profile>;

const ConfigFile = z.object({ default: z.string().nullable().default(null), profiles: z.record(z.string(), Profile).default({}) });
export type ConfigFile = z.infer<typeof ConfigFile>;

export async function loadConfig(): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(configPath, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { default: null, profiles: {} };
    throw new CliError(`cannot read ${configPath}: ${(e as Error).message}`, EXIT.failed, "config");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${configPath} is not JSON (${(e as Error).message}); fix or delete it`, EXIT.failed, "config");
  }
  const r = ConfigFile.safeParse(parsed);
  if (!r.success) throw new CliError(`${configPath} is not a statehouse config: ${r.error.issues[0]?.message}; fix or delete it`, EXIT.failed, "config");
  return r.data;
}

/** Written whole to a temporary file (mode 0600: it holds tokens) and renamed over the old one. */
export async function saveConfig(config: ConfigFile): Promise<void> {
  await mkdir(dirname(configPath), { recursive: true, mode: 0o700 });
  const tmp = `${configPath}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, configPath);
}

export { configPath };

export interface Globals {
  url?: string;
  token?: string;
  profile?: string;
  json?: boolean;
}

export type Credentials = { kind: "token"; token: string } | { kind: "session"; session: Session } | null;

export interface Connection {
  url: string;
  /** Where `send` posts (the lean ingress), when not to url: STATEHOUSE_INGRESS_URL, else the profile's. */
  ingressUrl?: string;
  credentials: Credentials;
  /** The profile the connection came from, if any. */
  profile: string | null;
  /** Why no credentials are sent although the profile has some (its URL is another server's). */
  withheld?: string;
}

/** Origins compared, so that a trailing slash or path does not count as another server. */
const sameServer = (a: string, b: string) => {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
};

export function normalizeUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw usageError(`"${raw}" is not a URL; give one like ${DEFAULT_URL}`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw usageError(`"${raw}" must be an http:// or https:// URL`);
  return u.href.replace(/\/+$/, "");
}

/**
 * URL and token: each from the flag, else the environment, else the profile (--profile, or the default one), else
 * the default URL and no token. A profile's credentials are only sent to the profile's own server.
 */
export function resolveConnection(
  g: Globals,
  config: ConfigFile,
  env: { url?: string; token?: string; ingressUrl?: string } = { url: envUrl, token: envToken, ingressUrl: envIngressUrl },
): Connection {
  const name = g.profile ?? config.default;
  const profile = name ? config.profiles[name] : undefined;
  if (g.profile && !profile) throw usageError(`no profile "${g.profile}" in ${configPath}; run statehouse login --profile ${g.profile}, or statehouse profiles`);
  const url = normalizeUrl(g.url ?? env.url ?? profile?.url ?? DEFAULT_URL);
  const token = g.token ?? env.token;
  // the profile's ingress goes with the profile's server only, like its token
  const profileIngress = profile?.ingressUrl && sameServer(url, profile.url) ? profile.ingressUrl : undefined;
  const ingress = env.ingressUrl ?? profileIngress;
  const base = { url, profile: profile ? name! : null, ...(ingress ? { ingressUrl: normalizeUrl(ingress) } : {}) };
  if (token) return { ...base, credentials: { kind: "token", token } };
  if (!profile) return { ...base, credentials: null };
  if (!sameServer(url, profile.url)) return { ...base, credentials: null, withheld: `profile "${name}" is for ${profile.url}` };
  if (profile.token) return { ...base, credentials: { kind: "token", token: profile.token } };
  if (profile.session) return { ...base, credentials: { kind: "session", session: profile.session } };
  return { ...base, credentials: null };
}
