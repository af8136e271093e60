import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

/** The CLI's one read of process.env; an empty variable counts as unset. */
const Env = z.object({
  /** API base URL, e.g. http://127.0.0.1:3000 (beats the profile's, loses to --url). */
  STATEHOUSE_URL: z.string().optional(),
  /** Bearer token (beats the profile's, loses to --token). */
  STATEHOUSE_TOKEN: z.string().optional(),
  /** The lean ingress `send` posts to, e.g. http://127.0.0.1:8080 (beats the profile's, loses to send --ingress-url). */
  STATEHOUSE_INGRESS_URL: z.string().optional(),
  /** The profiles file; the default is $XDG_CONFIG_HOME/statehouse/config.json or ~/.config/statehouse/config.json. */
  STATEHOUSE_CONFIG: z.string().optional(),
  XDG_CONFIG_HOME: z.string().optional(),
});

const set = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined && v !== ""));
const env = Env.parse(set);

export const envUrl = env.STATEHOUSE_URL;
export const envToken = env.STATEHOUSE_TOKEN;
export const envIngressUrl = env.STATEHOUSE_INGRESS_URL;
export const configPath = env.STATEHOUSE_CONFIG ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), ".config"), "statehouse", "config.json");
