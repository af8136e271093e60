import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFunctionServer, type FunctionServer } from "@/examples/functions/server";
import type { Address, TypedValue } from "@/server/protocol/codec";
import { closeTransport } from "@/server/protocol/transport";
import { decodeJson, decodePrimitive, PRIMITIVE_TYPENAMES } from "@/server/protocol/typed-values";
import { WireRuntime } from "./wire-runtime";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const json = (v: TypedValue | null) => decodeJson(v!.value);
const greetRequest = (body: object) => ({
  typename: "example/GreetRequest",
  hasValue: true,
  value: new Uint8Array(Buffer.from(JSON.stringify(body))),
});
const person = (id: string): Address => ({ namespace: "example", type: "person", id });
const greeter = (id: string): Address => ({ namespace: "example", type: "greeter", id });

let server: FunctionServer;
beforeAll(async () => {
  server = await startFunctionServer({ port: 0 });
});
afterAll(async () => {
  await server?.close();
  await closeTransport();
});

describe("the SDK greeter driven over HTTP with our codec", () => {
  it("asks for `visits` first, then counts the visit and forwards to example/greeter/Bob", async () => {
    const rt = new WireRuntime(server.url);
    const { requests, response } = await rt.call(person("Bob"), [{ argument: greetRequest({ name: "Bob" }) }]);

    // Attempt 1 carried no state; the SDK executed nothing and named its missing state. Attempt 2 attached it.
    expect(requests).toHaveLength(2);
    expect(requests[0]!.invocation!.state).toEqual([]);
    expect(requests[1]!.invocation!.state).toEqual([{ stateName: "visits", stateValue: null }]);
    expect(rt.registered.get("example/person")).toEqual(new Map([["visits", "io.statefun.types/int"]]));

    expect(response.stateMutations).toHaveLength(1);
    const [mutation] = response.stateMutations;
    expect(mutation!.mutationType).toBe("MODIFY");
    expect(mutation!.stateName).toBe("visits");
    expect(mutation!.stateValue!.typename).toBe("io.statefun.types/int");
    expect(mutation!.stateValue!.hasValue).toBe(true);
    expect(hex(mutation!.stateValue!.value)).toBe("0d01000000");

    expect(response.outgoingMessages).toHaveLength(1);
    const [out] = response.outgoingMessages;
    expect(out!.target).toEqual(greeter("Bob"));
    expect(out!.argument!.typename).toBe("example/GreetRequest");
    expect(json(out!.argument)).toEqual({ name: "Bob", visits: 1 });
    expect(response.outgoingEgresses).toEqual([]);

    const greeted = await rt.call(greeter("Bob"), [{ caller: person("Bob"), argument: out!.argument }]);
    expect(greeted.requests).toHaveLength(1); // stateless: no incomplete-context round trip
    expect(greeted.response.stateMutations).toEqual([]);
    expect(greeted.response.outgoingEgresses).toHaveLength(1);
    const [egress] = greeted.response.outgoingEgresses;
    expect(egress!.egressNamespace).toBe("io.statefun.playground");
    expect(egress!.egressType).toBe("egress");
    expect(egress!.argument!.typename).toBe("io.statefun.playground/EgressRecord");
    expect(json(egress!.argument)).toEqual({ topic: "greetings", payload: "Welcome Bob" });
  });

  it("applies a batch sequentially: visits=1 plus two invocations gives one MODIFY visits=3 and two messages in order", async () => {
    const rt = new WireRuntime(server.url);
    await rt.call(person("Alice"), [{ argument: greetRequest({ name: "Alice" }) }]);
    const { requests, response } = await rt.call(person("Alice"), [
      { argument: greetRequest({ name: "Alice" }) },
      { argument: greetRequest({ name: "Alice" }) },
    ]);
    expect(requests).toHaveLength(1);
    expect(hex(requests[0]!.invocation!.state[0]!.stateValue!.value)).toBe("0d01000000");
    expect(response.stateMutations).toHaveLength(1);
    expect(decodePrimitive(PRIMITIVE_TYPENAMES.int, response.stateMutations[0]!.stateValue!.value)).toBe(3);
    expect(response.outgoingMessages.map((m) => json(m.argument))).toEqual([
      { name: "Alice", visits: 2 },
      { name: "Alice", visits: 3 },
    ]);
  });

  it("greets with the playground's exact texts for visits 1 to 4", async () => {
    const rt = new WireRuntime(server.url);
    const texts: unknown[] = [];
    for (let visits = 1; visits <= 4; visits++) {
      const { response } = await rt.call(greeter("Bob"), [{ caller: person("Bob"), argument: greetRequest({ name: "Bob", visits }) }]);
      texts.push((json(response.outgoingEgresses[0]!.argument) as { payload: string }).payload);
    }
    expect(texts).toEqual([
      "Welcome Bob",
      "Nice to see you again Bob",
      "Third time is a charm Bob",
      "Nice to see you at the 4-nth time Bob!",
    ]);
  });
});
