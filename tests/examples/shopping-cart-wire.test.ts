import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFunctionServer, type FunctionServer } from "@/examples/functions/server";
import type { Address, InvocationResponse, TypedValue } from "@/server/protocol/codec";
import { closeTransport } from "@/server/protocol/transport";
import { decodeJson, decodePrimitive, PRIMITIVE_TYPENAMES } from "@/server/protocol/typed-values";
import { WireRuntime } from "./wire-runtime";

const jsonValue = (typename: string, body: object): TypedValue => ({
  typename,
  hasValue: true,
  value: new Uint8Array(Buffer.from(JSON.stringify(body))),
});
const stock = (id: string): Address => ({ namespace: "com.example", type: "stock", id });
const cart = (id: string): Address => ({ namespace: "com.example", type: "user-shopping-cart", id });

let server: FunctionServer;
beforeAll(async () => {
  server = await startFunctionServer({ port: 0 });
});
afterAll(async () => {
  await server?.close();
  await closeTransport();
});

/** Delivers every outgoing message of `first` (caller = sender) until the system is quiet; returns all egress. */
async function settle(rt: WireRuntime, sender: Address, first: InvocationResponse) {
  const egress: unknown[] = first.outgoingEgresses.map((e) => decodeJson(e.argument!.value));
  const queue = first.outgoingMessages.map((m) => ({ caller: sender, target: m.target!, argument: m.argument! }));
  while (queue.length > 0) {
    const next = queue.shift()!;
    const { response } = await rt.call(next.target, [{ caller: next.caller, argument: next.argument }]);
    egress.push(...response.outgoingEgresses.map((e) => decodeJson(e.argument!.value)));
    queue.push(...response.outgoingMessages.map((m) => ({ caller: next.target, target: m.target!, argument: m.argument! })));
  }
  return egress;
}

describe("the shopping cart example (protocol §5.3) over HTTP", () => {
  it("restocks 50 socks, adds 3 to cart 1, and checks out with the Java receipt text", async () => {
    const rt = new WireRuntime(server.url);
    const send = async (target: Address, argument: TypedValue) => {
      const { response } = await rt.call(target, [{ argument }]); // from the ingress: no caller
      return settle(rt, target, response);
    };

    await send(stock("socks"), jsonValue("com.example/RestockItem", { itemId: "socks", quantity: 50 }));
    await send(cart("1"), jsonValue("com.example/AddToCart", { userId: "1", quantity: 3, itemId: "socks" }));
    const receipts = await send(cart("1"), jsonValue("com.example/Checkout", { userId: "1" }));

    expect(receipts).toEqual([{ topic: "receipts", payload: "Receipt{userId='1', details='socks: 3'}" }]);
    expect(rt.registered.get("com.example/user-shopping-cart")).toEqual(new Map([["basket", "com.example/Basket"]]));
    expect(decodePrimitive(PRIMITIVE_TYPENAMES.int, rt.state(stock("socks")).get("stock")!)).toBe(47);
    expect(decodeJson(rt.state(cart("1")).get("basket")!)).toEqual({ basket: { socks: 3 } });
  });

  it("answers OUTOFSTOCK without touching stock or basket, and ClearCart restocks without clearing the basket", async () => {
    const rt = new WireRuntime(server.url);
    const send = async (target: Address, argument: TypedValue) => settle(rt, target, (await rt.call(target, [{ argument }])).response);

    await send(stock("hats"), jsonValue("com.example/RestockItem", { itemId: "hats", quantity: 2 }));
    await send(cart("7"), jsonValue("com.example/AddToCart", { userId: "7", quantity: 5, itemId: "hats" }));
    expect(decodePrimitive(PRIMITIVE_TYPENAMES.int, rt.state(stock("hats")).get("stock")!)).toBe(2);
    expect(rt.state(cart("7")).has("basket")).toBe(false);

    await send(cart("7"), jsonValue("com.example/AddToCart", { userId: "7", quantity: 2, itemId: "hats" }));
    expect(decodePrimitive(PRIMITIVE_TYPENAMES.int, rt.state(stock("hats")).get("stock")!)).toBe(0);
    await send(cart("7"), jsonValue("com.example/ClearCart", { userId: "7" }));
    expect(decodePrimitive(PRIMITIVE_TYPENAMES.int, rt.state(stock("hats")).get("stock")!)).toBe(2);
    // ⚠ faithful to the original: the emptied basket is never written back.
    expect(decodeJson(rt.state(cart("7")).get("basket")!)).toEqual({ basket: { hats: 2 } });
  });
});
