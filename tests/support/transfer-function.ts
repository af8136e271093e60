import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeToFunction, encodeFromFunction } from "@/server/protocol/codec";
import { decodePrimitive, encodePrimitive } from "@/server/protocol/typed-values";

/**
 * A bank for the conservation tests, speaking the wire protocol through our codec. `tx/account/<id>` keeps
 * `balance` (int); messages `tx/op` JSON: seed {amount} adds money, send {to, amount} moves up to the balance to
 * another account as a credit {amount} message. Money is only created by seeds, so
 * Σ balances + Σ credits in flight == Σ seeds at every consistent cut.
 */
export type TxOp = { op: "seed"; amount: number } | { op: "send"; to: string; amount: number } | { op: "credit"; amount: number };
export const TX_OP = "tx/op";
const INT = "io.statefun.types/int";

export async function startTransferFunction(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const batch = decodeToFunction(Buffer.concat(chunks)).invocation!;
      const state = batch.state.find((s) => s.stateName === "balance");
      let reply: Uint8Array;
      if (!state) {
        reply = encodeFromFunction({ incompleteInvocationContext: { missingValues: [{ stateName: "balance", typeTypename: INT }] } });
      } else {
        let balance = state.stateValue?.hasValue ? (decodePrimitive(INT, state.stateValue.value) as number) : 0;
        const outgoingMessages = [];
        for (const inv of batch.invocations) {
          const m = JSON.parse(Buffer.from(inv.argument!.value).toString()) as TxOp;
          if (m.op === "seed" || m.op === "credit") balance += m.amount;
          else {
            const amount = Math.min(m.amount, balance);
            balance -= amount;
            if (amount > 0)
              outgoingMessages.push({ target: { namespace: "tx", type: "account", id: m.to }, argument: { typename: TX_OP, hasValue: true, value: Buffer.from(JSON.stringify({ op: "credit", amount })) } });
          }
        }
        reply = encodeFromFunction({
          invocationResult: { stateMutations: [{ mutationType: "MODIFY", stateName: "balance", stateValue: { typename: INT, hasValue: true, value: encodePrimitive(INT, balance) } }], outgoingMessages },
        });
      }
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(Buffer.from(reply));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/{function.name}`, close: () => new Promise((r) => server.close(() => r())) };
}
