import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeToFunction, encodeFromFunction, type Address } from "@/server/protocol/codec";
import { decodePrimitive, encodePrimitive } from "@/server/protocol/typed-values";

/**
 * A remote function for the safety tests, speaking the wire protocol through our codec:
 *   eo/relay   state count:int — each message bumps count and sends {from, seq: count} to eo/sink/<seq mod sinks>
 *   eo/sink    state count:int, last:eo/last (JSON sender → seq), violations:int — counts out-of-order arrivals
 *   eo/counter state count:int — +1 per message
 * It records, per address, how many calls were in flight at once.
 */
const INT = "io.statefun.types/int";
const SPECS: Record<string, Array<{ name: string; typename: string }>> = {
  relay: [{ name: "count", typename: INT }],
  sink: [
    { name: "count", typename: INT },
    { name: "last", typename: "eo/last" },
    { name: "violations", typename: INT },
  ],
  counter: [{ name: "count", typename: INT }],
};

export interface EoFunction {
  url: string;
  maxConcurrency: () => number;
  calls: () => number;
  close(): Promise<void>;
}

export async function startEoFunction(opts: { sinks?: number; delayMs?: number } = {}): Promise<EoFunction> {
  const sinks = opts.sinks ?? 20;
  const inflight = new Map<string, number>();
  let maxConc = 0;
  let calls = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const batch = decodeToFunction(body).invocation!;
      const t = batch.target!;
      const key = `${t.namespace}/${t.type}/${t.id}`;
      const n = (inflight.get(key) ?? 0) + 1;
      inflight.set(key, n);
      maxConc = Math.max(maxConc, n);
      calls++;
      try {
        if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
        const specs = SPECS[t.type] ?? [];
        const have = new Map(batch.state.map((s) => [s.stateName, s.stateValue]));
        const missing = specs.filter((s) => !have.has(s.name));
        let reply: Uint8Array;
        if (missing.length) {
          reply = encodeFromFunction({ incompleteInvocationContext: { missingValues: missing.map((m) => ({ stateName: m.name, typeTypename: m.typename })) } });
        } else {
          const int = (name: string) => {
            const v = have.get(name);
            return v?.hasValue ? decodePrimitive(INT, v.value) : 0;
          };
          let count = int("count");
          let violations = t.type === "sink" ? int("violations") : 0;
          const lastV = have.get("last");
          const last: Record<string, number> = lastV?.hasValue ? JSON.parse(Buffer.from(lastV.value).toString()) : {};
          const outgoing: Array<{ target: Address; argument: { typename: string; hasValue: boolean; value: Uint8Array } }> = [];
          for (const inv of batch.invocations) {
            count++;
            if (t.type === "relay") {
              outgoing.push({
                target: { namespace: "eo", type: "sink", id: String(count % sinks) },
                argument: { typename: "eo/msg", hasValue: true, value: Buffer.from(JSON.stringify({ from: t.id, seq: count })) },
              });
            } else if (t.type === "sink") {
              const m = JSON.parse(Buffer.from(inv.argument!.value).toString()) as { from: string; seq: number };
              if (m.seq <= (last[m.from] ?? 0)) violations++;
              last[m.from] = m.seq;
            }
          }
          const mut = (name: string, typename: string, value: Uint8Array) => ({ mutationType: "MODIFY" as const, stateName: name, stateValue: { typename, hasValue: true, value } });
          const stateMutations = [mut("count", INT, encodePrimitive(INT, count))];
          if (t.type === "sink") stateMutations.push(mut("last", "eo/last", Buffer.from(JSON.stringify(last))), mut("violations", INT, encodePrimitive(INT, violations)));
          reply = encodeFromFunction({ invocationResult: { stateMutations, outgoingMessages: outgoing } });
        }
        res.writeHead(200, { "content-type": "application/octet-stream" }).end(Buffer.from(reply));
      } catch (e) {
        res.writeHead(500).end(String(e));
      } finally {
        inflight.set(key, (inflight.get(key) ?? 1) - 1);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/{function.name}`,
    maxConcurrency: () => maxConc,
    calls: () => calls,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
