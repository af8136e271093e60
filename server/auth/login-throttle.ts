import type { Ctx } from "../context";
import type { Redis } from "../redis";
import { AppError } from "../errors";
import { recordAudit } from "../audit/audit";

/**
 * Password guessing is slowed per user name and, when a trusted proxy names the client, per client.
 *
 * - The first THRESHOLD failures of a subject within WINDOW pass freely (people mistype); after the n-th failure
 *   past that, the subject waits min(CAP, BASE·2^(n−threshold)) before its next attempt: 1 s, 2 s, 4 s, … 15 min.
 *   A subject's failures are forgotten WINDOW after its last one (WINDOW > CAP, so waiting out a lock does not
 *   reset the count). At the cap a user name admits ~4 guesses an hour, whoever and wherever the guesser is.
 * - An attempt is counted before the password is checked, in the same Lua script that checks the lock, so a
 *   burst of parallel guesses cannot all slip through before the first one's failure is recorded. A success
 *   takes its own count back: it clears the user name's counter and takes one off the client's, so successes
 *   never count towards a lock (the e2e suite signs in hundreds of times from one address).
 * - While locked, an attempt is answered 429 with Retry-After without checking the password (and without
 *   saying whether it would have been right). Unknown user names are throttled exactly like known ones, so a
 *   429 tells nothing about which names exist.
 *
 * The per-name lock lets anyone hold one account's logins back for up to CAP at a time; every console in this
 * field accepts that (Keycloak's brute-force detection, GitLab, Grafana) rather than unlimited guessing, and it is
 * bounded: a lock never outlasts CAP, and API tokens are untouched. A global bucket for clients of unknown
 * address would be worse: one guesser would lock everyone out. So without STATEHOUSE_TRUST_PROXY (a Next route
 * handler never sees the socket, and an unproxied X-Forwarded-For is the client's own claim) there is no
 * per-client throttle at all: only the per-name one. With a trusted proxy the client's threshold is higher,
 * since one address may be a whole office behind NAT.
 *
 * Audit: the start of each lock ("session.login-locked") and the first refusal of each lock
 * ("session.login-refused"): a flood of refused requests must not become a flood of audit rows.
 */
export const LOGIN_THROTTLE = {
  userThreshold: 5,
  clientThreshold: 20,
  baseMs: 1_000,
  capMs: 15 * 60_000,
  windowMs: 60 * 60_000,
} as const;

const ATTEMPT_LUA = `
-- KEYS: one failure counter (a hash) per subject: n = attempts counted, last = when the last was counted (ms),
--   audited = the 'last' of the lock whose refusal was audited already.
-- ARGV: now (ms), window (ms), base (ms), cap (ms), then each key's threshold.
-- Returns {1, n per key} when the attempt may go on (it is counted already), or
-- {0, wait ms, index of the key that locks longest, 1 when this is that lock's first refusal}.
local now, window, base, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local wait, locked = 0, 0
for i, key in ipairs(KEYS) do
  local v = redis.call('HMGET', key, 'n', 'last')
  local n, last, threshold = tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(ARGV[4 + i])
  if n >= threshold then
    local left = last + math.min(cap, base * 2 ^ (n - threshold)) - now
    if left > wait then wait, locked = left, i end
  end
end
if wait > 0 then
  local last = redis.call('HGET', KEYS[locked], 'last')
  local first = 0
  if redis.call('HGET', KEYS[locked], 'audited') ~= last then
    redis.call('HSET', KEYS[locked], 'audited', last)
    first = 1
  end
  return {0, math.ceil(wait), locked, first}
end
local out = {1}
for i, key in ipairs(KEYS) do
  out[i + 1] = redis.call('HINCRBY', key, 'n', 1)
  redis.call('HSET', key, 'last', now)
  redis.call('PEXPIRE', key, window)
end
return out
`;

const SUCCEEDED_LUA = `
-- KEYS[1]: the user name's counter, cleared. KEYS[2] (optional): the client's, which takes back this attempt only
-- (an attacker with one good account must not wipe its address's failures by signing in between guesses).
redis.call('DEL', KEYS[1])
if KEYS[2] and redis.call('EXISTS', KEYS[2]) == 1 then redis.call('HINCRBY', KEYS[2], 'n', -1) end
return 1
`;

type Cmd = (numKeys: number, ...args: Array<string | number>) => Promise<number[]>;
const defined = new WeakSet<Redis>();
/** Defines the throttle's scripts on a client (createRedis does, before the client sends anything). */
export function defineLoginScripts(redis: Redis): void {
  if (defined.has(redis)) return;
  // No fixed key count: the client's counter is there only when the client is known.
  redis.defineCommand("sh_loginAttempt", { lua: ATTEMPT_LUA });
  redis.defineCommand("sh_loginSucceeded", { lua: SUCCEEDED_LUA });
  defined.add(redis);
}

function commands(redis: Redis): { attempt: Cmd; succeeded: Cmd } {
  defineLoginScripts(redis);
  const r = redis as unknown as { sh_loginAttempt: Cmd; sh_loginSucceeded: Cmd };
  return { attempt: r.sh_loginAttempt.bind(redis), succeeded: r.sh_loginSucceeded.bind(redis) };
}

interface Subject {
  key: string;
  threshold: number;
  /** For the audit row. */
  targetType: "user" | "client";
  target: string;
}

export interface LoginAttempt {
  subjects: Subject[];
  /** Failures counted per subject, this attempt included. */
  counts: number[];
  client: string | null;
}

const backoffMs = (n: number, threshold: number) => Math.min(LOGIN_THROTTLE.capMs, LOGIN_THROTTLE.baseMs * 2 ** (n - threshold));
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
const anonymous = (client: string | null) => ({ kind: "anonymous", name: client ?? "unknown-client" }) as const;

/**
 * Counts an attempt to sign in as `username` (from `client`, when a trusted proxy says who that is), or refuses it
 * with `rate-limited` (429, Retry-After) while the name or the client is locked.
 */
export async function beginLoginAttempt(ctx: Ctx, username: string, client: string | null): Promise<LoginAttempt> {
  const name = username.toLowerCase();
  const subjects: Subject[] = [{ key: ctx.keys.loginFailures(`user:${name}`), threshold: LOGIN_THROTTLE.userThreshold, targetType: "user", target: username }];
  if (client) subjects.push({ key: ctx.keys.loginFailures(`client:${client}`), threshold: LOGIN_THROTTLE.clientThreshold, targetType: "client", target: client });
  const { baseMs, capMs, windowMs } = LOGIN_THROTTLE;
  const r = await commands(ctx.redis).attempt(
    subjects.length,
    ...subjects.map((s) => s.key),
    ctx.now().getTime(),
    windowMs,
    baseMs,
    capMs,
    ...subjects.map((s) => s.threshold),
  );
  if (r[0] === 1) return { subjects, counts: r.slice(1).map(Number), client };
  const [, waitMs, lockedIndex, first] = r.map(Number);
  const retryAfterSeconds = seconds(waitMs);
  const by = subjects[lockedIndex - 1];
  if (first === 1)
    await recordAudit(ctx.db, anonymous(client), {
      action: "session.login-refused",
      targetType: by.targetType,
      target: by.target,
      after: { retryAfterSeconds, lockedBy: by.targetType, username, client },
    });
  const why = by.targetType === "user" ? "this user name" : "this address";
  throw new AppError("rate-limited", `too many failed sign-ins for ${why}; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
}

/**
 * A wrong password or unknown name: every subject that reached its threshold starts a lock, which is audited
 * (under the stored user name when the name is a user's, so the user's audit trail shows it).
 */
export async function failLoginAttempt(ctx: Ctx, a: LoginAttempt, storedName: string | null): Promise<void> {
  for (const [i, s] of a.subjects.entries()) {
    const n = a.counts[i];
    if (n < s.threshold) continue;
    await recordAudit(ctx.db, anonymous(a.client), {
      action: "session.login-locked",
      targetType: s.targetType,
      target: s.targetType === "user" ? (storedName ?? s.target) : s.target,
      after: { failures: n, lockedForSeconds: seconds(backoffMs(n, s.threshold)), client: a.client },
    });
  }
}

export async function succeedLoginAttempt(ctx: Ctx, a: LoginAttempt): Promise<void> {
  await commands(ctx.redis).succeeded(a.subjects.length, ...a.subjects.map((s) => s.key));
}
