import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { decodePrimitive } from "@/server/protocol/typed-values";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { waitFor } from "../support/processes";
import { startRecordingFunctions, type RecordingFunctions } from "../support/fixtures/recording-functions";
import { applyModule, egressRows, inspectAddress, sendJson, waitRegistrySynced } from "../support/fixtures/plane";

/**
 * Protocol §5.3: the playground shopping cart (official JS SDK port of java/shopping-cart) through the real
 * ingress route, a real worker process and Redis. The functions sit behind a recorder so the test can see
 * which invocations carried a caller.
 */
let env: DispatchEnv;
let fns: RecordingFunctions;

const STOCK = "com.example/stock/socks";
const CART = "com.example/user-shopping-cart/1";

beforeAll(async () => {
  env = await createDispatchEnv();
  fns = await startRecordingFunctions();
  const module = readFileSync("examples/playground/module.yaml", "utf8").replaceAll("http://functions:8000/statefun", fns.url);
  await applyModule(env, "playground", module);
  await env.startWorker();
  await waitRegistrySynced(env);
});
afterAll(async () => {
  await fns?.close();
  await env?.stop();
});

describe("the playground shopping cart (protocol §5.3), served by the official SDK, end to end", () => {
  it("restocks, adds to the cart through the stock's reply to its caller, and checks out a receipt", async () => {
    const restock = await sendJson(env, STOCK, "com.example/RestockItem", { itemId: "socks", quantity: 50 });
    expect(restock.status, restock.text).toBe(202);
    const add = await sendJson(env, CART, "com.example/AddToCart", { userId: "1", quantity: 3, itemId: "socks" });
    expect(add.status, add.text).toBe(202);

    // The playground sends Checkout after the cart has the item (the order between addresses is not defined).
    const basket = await waitFor(async () => (await inspectAddress(env.ctx, CART)).state.get("basket"), 10_000);
    expect(JSON.parse(basket.toString("utf8"))).toEqual({ basket: { socks: 3 } });

    const checkout = await sendJson(env, CART, "com.example/Checkout", { userId: "1" });
    expect(checkout.status, checkout.text).toBe(202);
    const rows = await waitFor(async () => {
      const r = await egressRows(env.ctx, "playground", "io.statefun.playground/egress");
      return r.length > 0 ? r : null;
    }, 10_000);

    expect(rows).toHaveLength(1);
    expect(rows[0].typename).toBe("io.statefun.playground/EgressRecord");
    expect(rows[0].topic).toBe("receipts");
    expect(rows[0].source).toBe(CART);
    expect(JSON.parse(rows[0].value.toString("utf8"))).toEqual({ topic: "receipts", payload: "Receipt{userId='1', details='socks: 3'}" });

    // Final state, read from the data plane: stock 47 (an io.statefun.types/int wrapper), basket unchanged by checkout.
    const stock = await inspectAddress(env.ctx, STOCK);
    expect(decodePrimitive("io.statefun.types/int", stock.state.get("stock")!)).toBe(47);
    expect(stock.mailbox).toEqual([]);
    const cart = await inspectAddress(env.ctx, CART);
    expect(JSON.parse(cart.state.get("basket")!.toString("utf8")).basket).toEqual({ socks: 3 });
    expect(cart.mailbox).toEqual([]);
    expect(cart.parked || stock.parked).toBe(false);
  });

  it("gave function-sent messages a caller and ingress messages none (protocol §2.9)", () => {
    const invocations = (prefix: string) =>
      fns.executed(prefix).flatMap((r) => r.batch.invocations.map((i) => ({ typename: i.argument!.typename, caller: i.caller })));
    const addr = (a: { namespace: string; type: string; id: string } | null) => (a ? `${a.namespace}/${a.type}/${a.id}` : null);

    const stock = invocations(STOCK);
    expect(stock.map((i) => [i.typename, addr(i.caller)])).toEqual([
      ["com.example/RestockItem", null],
      ["com.example/RequestItem", CART],
    ]);
    const cart = invocations(CART);
    expect(cart.map((i) => [i.typename, addr(i.caller)])).toEqual([
      ["com.example/AddToCart", null],
      ["com.example/ItemAvailability", STOCK],
      ["com.example/Checkout", null],
    ]);
    // and the stock did answer its caller: the reply to RequestItem targets the cart
    const reply = fns.executed(STOCK).find((r) => r.batch.invocations.some((i) => i.argument!.typename === "com.example/RequestItem"))!.reply!.invocationResult!;
    expect(reply.outgoingMessages.map((m) => addr(m.target))).toEqual([CART]);
    expect(JSON.parse(Buffer.from(reply.outgoingMessages[0].argument!.value).toString())).toEqual({ status: "INSTOCK", quantity: 3 });
  });
});
