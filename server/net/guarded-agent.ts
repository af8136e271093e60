import { isIP } from "node:net";
import { Agent, buildConnector } from "undici";
import type { HostPolicy } from "./host-policy";

/**
 * An undici connector that applies a host policy before any socket exists: a literal IP is checked here (net
 * never calls `lookup` for one), a name inside the policy's `lookup`, address by address.
 */
export function guardedConnector(policy: HostPolicy, connectTimeoutMs: number): buildConnector.connector {
  const connect = buildConnector({ timeout: connectTimeoutMs, lookup: policy.lookup });
  return (options, callback) => {
    const refused = isIP(options.hostname) ? policy.refusal(options.hostname, [options.hostname]) : null;
    // Asynchronously, as a real connect failure would be: undici's client is mid-`connect` when this returns.
    if (refused) return void queueMicrotask(() => callback(refused, null));
    connect(options, callback);
  };
}

/** An undici Agent whose every connection goes through `guardedConnector`. */
export function guardedAgent(policy: HostPolicy, connectTimeoutMs: number, options: Omit<Agent.Options, "connect"> = {}): Agent {
  return new Agent({ ...options, connect: guardedConnector(policy, connectTimeoutMs) });
}
