/**
 * Which hosts Statehouse may send requests to: function endpoints (dispatch and probe) and webhook egresses.
 *
 * Whoever registers an endpoint or a webhook chooses a URL that the server then calls from inside its own
 * network. Link-local addresses are refused, because cloud metadata services live there (169.254.169.254,
 * AWS's fd00:ec2::254) and answer with credentials. STATEHOUSE_ALLOW_LINK_LOCAL=true lifts that block.
 * Loopback and private ranges stay allowed: functions run on localhost and in compose networks. When
 * STATEHOUSE_FUNCTION_HOSTS is set, only the names and CIDRs it lists are allowed.
 *
 * Checking the URL text is not enough, because any name can resolve to a metadata address. `lookup` resolves
 * the name, checks every address it gets and only then lets the socket connect. Literal IPs never reach a
 * lookup function (net.connect skips it), so the connector checks those itself (see guarded-agent.ts).
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";

/** The `code` of a refusal, as a socket error and on HostNotAllowedError; callers branch on it. */
export const HOST_NOT_ALLOWED = "ERR_HOST_NOT_ALLOWED";

export class HostNotAllowedError extends Error {
  readonly code = HOST_NOT_ALLOWED;
  constructor(
    readonly host: string,
    readonly address: string | null,
    message: string,
  ) {
    super(message);
    this.name = "HostNotAllowedError";
  }
}

/** The refusal inside `e`, also when a client wrapped it (`cause`) or a multi-address connect collected it (`errors`). */
export function hostRefusalIn(e: unknown): HostNotAllowedError | null {
  if (e instanceof HostNotAllowedError) return e;
  if (typeof e !== "object" || e === null) return null;
  const { cause, errors } = e as { cause?: unknown; errors?: unknown };
  return hostRefusalIn(cause) ?? (Array.isArray(errors) ? (errors.map(hostRefusalIn).find((r) => r !== null) ?? null) : null);
}

/** DNS, injectable: tests map names to addresses without any network. */
export type ResolveHost = (host: string, options: { family?: number; hints?: number }) => Promise<LookupAddress[]>;

const systemResolve: ResolveHost = (host, { family, hints }) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, family: family ?? 0, ...(hints !== undefined ? { hints } : {}) }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    ),
  );

const BLOCKED_TEXT = "169.254.0.0/16, fe80::/10 and fd00:ec2::254, where cloud metadata services answer";
const BLOCKED = new BlockList();
BLOCKED.addSubnet("169.254.0.0", 16, "ipv4");
BLOCKED.addSubnet("fe80::", 10, "ipv6");
BLOCKED.addAddress("fd00:ec2::254", "ipv6");

const familyOf = (ip: string) => (isIP(ip) === 6 ? "ipv6" : "ipv4");
// BlockList matches IPv4-mapped IPv6 (::ffff:169.254.169.254, ::ffff:a9fe:a9fe) against IPv4 rules too.
const isBlocked = (ip: string) => BLOCKED.check(ip, familyOf(ip));

// Labels of letters, digits, `-` and `_` (compose service names may hold `_`); the URL parser lowercases hosts.
const HOST_NAME_RE = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

type HostRule = { cidr: { address: string; prefix: number; family: "ipv4" | "ipv6" } } | { name: string } | { suffix: string };

function parseHostRule(entry: string): HostRule | string {
  const text = entry.trim().toLowerCase().replace(/\.$/, "");
  const slash = text.indexOf("/");
  if (slash >= 0 || isIP(text)) {
    const address = slash >= 0 ? text.slice(0, slash) : text;
    const version = isIP(address);
    if (version === 0) return `${address} is not an IPv4 or IPv6 address`;
    const bits = version === 4 ? 32 : 128;
    const prefixText = slash >= 0 ? text.slice(slash + 1) : String(bits);
    const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    if (!(prefix >= 0 && prefix <= bits)) return `the prefix length must be 0–${bits}`;
    return { cidr: { address, prefix, family: version === 4 ? "ipv4" : "ipv6" } };
  }
  if (text.startsWith("*.")) return `write the suffix as ${text.slice(1)} (a leading dot), not with *`;
  if (text.startsWith(".")) return HOST_NAME_RE.test(text.slice(1)) ? { suffix: text } : "is not a host name suffix such as .example.com";
  return HOST_NAME_RE.test(text) ? { name: text } : "is not a host name, a .suffix, an IP address or a CIDR";
}

/** For env validation: null when `entry` is a valid STATEHOUSE_FUNCTION_HOSTS entry, else what is wrong. */
export function hostRuleProblem(entry: string): string | null {
  const r = parseHostRule(entry);
  return typeof r === "string" ? r : null;
}

export interface HostPolicyOptions {
  /** STATEHOUSE_FUNCTION_HOSTS: when set, only hosts matching these names, `.suffixes` and CIDRs are allowed. */
  allow?: readonly string[];
  /** STATEHOUSE_ALLOW_LINK_LOCAL: lift the link-local / cloud metadata block. */
  allowLinkLocal?: boolean;
  resolve?: ResolveHost;
}

export interface HostPolicy {
  /**
   * Registration-time check of a URL's host text: a literal IP is judged fully; a name is judged against the
   * allow list's names (when the list also holds CIDRs, the name is judged at connect time, by its addresses).
   * Null when allowed, else why not.
   */
  urlProblem(url: string): string | null;
  /** Connect-time check of a host and every address it resolved to. */
  refusal(host: string, addresses: readonly string[]): HostNotAllowedError | null;
  /** For net/tls `lookup` (undici `connect.lookup`, node:http): resolves, checks every address, then answers. */
  lookup: LookupFunction;
}

const stripBrackets = (host: string) => (host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host);

export function createHostPolicy(options: HostPolicyOptions = {}): HostPolicy {
  const resolve = options.resolve ?? systemResolve;
  const allowLinkLocal = options.allowLinkLocal ?? false;
  let allowed: { names: Set<string>; suffixes: string[]; cidrs: BlockList; hasCidrs: boolean } | null = null;
  if (options.allow) {
    allowed = { names: new Set(), suffixes: [], cidrs: new BlockList(), hasCidrs: false };
    for (const entry of options.allow) {
      const rule = parseHostRule(entry);
      if (typeof rule === "string") throw new Error(`STATEHOUSE_FUNCTION_HOSTS: "${entry}" ${rule}`);
      if ("cidr" in rule) {
        allowed.cidrs.addSubnet(rule.cidr.address, rule.cidr.prefix, rule.cidr.family);
        allowed.hasCidrs = true;
      } else if ("name" in rule) allowed.names.add(rule.name);
      else allowed.suffixes.push(rule.suffix);
    }
  }
  const nameAllowed = (host: string) =>
    allowed !== null && (allowed.names.has(host) || allowed.suffixes.some((s) => host.endsWith(s) && host.length > s.length));

  function refusal(rawHost: string, addresses: readonly string[]): HostNotAllowedError | null {
    const host = stripBrackets(rawHost).toLowerCase().replace(/\.$/, "");
    const literal = isIP(host) !== 0;
    const who = (address: string) => (literal ? host : `${host} resolves to ${address}, which`);
    if (!allowLinkLocal)
      for (const address of addresses)
        if (isBlocked(address))
          return new HostNotAllowedError(host, address,
            `${who(address)} is a link-local address (${BLOCKED_TEXT}); set STATEHOUSE_ALLOW_LINK_LOCAL=true to allow it`);
    if (allowed === null || (!literal && nameAllowed(host))) return null;
    for (const address of addresses)
      if (!allowed.cidrs.check(address, familyOf(address)))
        return new HostNotAllowedError(host, address, `${who(address)} is not allowed by STATEHOUSE_FUNCTION_HOSTS`);
    return null;
  }

  function urlProblem(url: string): string | null {
    let hostname: string;
    try {
      hostname = stripBrackets(new URL(url).hostname);
    } catch {
      return null; // the URL's own validation reports it
    }
    if (isIP(hostname)) return refusal(hostname, [hostname])?.message ?? null;
    const host = hostname.replace(/\.$/, "");
    if (allowed === null || nameAllowed(host) || allowed.hasCidrs) return null;
    return `${host} is not allowed by STATEHOUSE_FUNCTION_HOSTS`;
  }

  const lookup: LookupFunction = (hostname, lookupOptions: LookupOptions, callback) => {
    const family = typeof lookupOptions.family === "number" ? lookupOptions.family : lookupOptions.family === "IPv6" ? 6 : lookupOptions.family === "IPv4" ? 4 : 0;
    resolve(hostname, { family, hints: lookupOptions.hints }).then(
      (found) => {
        const addresses = family === 0 ? found : found.filter((a) => a.family === family);
        if (addresses.length === 0) {
          const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", hostname });
          return callback(err, "", 0);
        }
        // Every address the name has, not only the one connected to: with `all` the socket tries them in turn.
        const refused = refusal(hostname, found.map((a) => a.address));
        if (refused) return callback(refused, "", 0);
        if (lookupOptions.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, "", 0),
    );
  };

  return { urlProblem, refusal, lookup };
}

const byConfig = new WeakMap<object, HostPolicy>();

/** The policy of a parsed configuration (server/env.ts), one per configuration object. */
export function hostPolicyOf(config: { STATEHOUSE_FUNCTION_HOSTS?: readonly string[]; STATEHOUSE_ALLOW_LINK_LOCAL: boolean }): HostPolicy {
  let policy = byConfig.get(config);
  if (!policy) {
    policy = createHostPolicy({ allow: config.STATEHOUSE_FUNCTION_HOSTS, allowLinkLocal: config.STATEHOUSE_ALLOW_LINK_LOCAL });
    byConfig.set(config, policy);
  }
  return policy;
}
