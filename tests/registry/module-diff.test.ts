import { describe, expect, it } from "vitest";
import { ModuleDiff } from "@/server/contracts/registry";
import { diffModule } from "@/server/registry/module/diff-module";
import { parseModuleYaml, type ParsedModule } from "@/server/registry/module/parse-module";

const CURRENT = `kind: io.statefun.endpoints.v2/http
spec:
  functions: example/*
  urlPathTemplate: http://functions:8000/statefun
---
kind: io.statefun.endpoints.v2/http
spec:
  functions: shop/cart
  urlPathTemplate: http://shop:8000/statefun
---
kind: io.statefun.endpoints.v1/http
spec:
  functions: old/*
  urlPathTemplate: http://old:8000/statefun
---
kind: io.statefun.playground.v1/ingress
spec:
  port: 8090
---
kind: io.statefun.playground.v1/egress
spec:
  port: 8091
  topics: [greetings]
---
kind: io.statefun.kafka.v1/egress
spec:
  id: example/out
  address: kafka:9092
`;

// example/* is the same (defaults written out), shop/cart gets a longer call timeout, old/* is dropped,
// new/* is added; the ingress is dropped, the playground egress gains a topic, a Kinesis egress is added.
const NEXT = `kind: io.statefun.endpoints.v2/http
spec:
  functions: shop/cart
  urlPathTemplate: http://shop:8000/statefun
  transport:
    call: 5 min
---
kind: io.statefun.endpoints.v2/http
spec:
  functions: new/*
  urlPathTemplate: http://new:8000/statefun
---
kind: io.statefun.endpoints.v2/http
spec:
  functions: example/*
  urlPathTemplate: http://functions:8000/statefun
  maxNumBatchRequests: 1000
  transport:
    type: io.statefun.transports.v1/async
    call: 2 min
    connect: 20s
---
kind: io.statefun.playground.v1/egress
spec:
  port: 8091
  topics: [greetings, farewells]
---
kind: io.statefun.kafka.v1/egress
spec:
  id: example/out
  address: kafka:9092
---
kind: io.statefun.kinesis.v1/egress
spec:
  id: example/stream
`;

const EMPTY: ParsedModule = { endpoints: [], ingresses: [], egresses: [] };
const asyncSpec = (functions: string, url: string, call = "2 min") => ({
  functions,
  kind: "io.statefun.endpoints.v2/http",
  spec: { functions, urlPathTemplate: url, transport: { type: "io.statefun.transports.v1/async", call, connect: "20 s" } },
});

describe("diffModule", () => {
  it("reports added, removed, changed and unchanged components with before/after in the exported form", () => {
    const d = diffModule(parseModuleYaml(CURRENT), parseModuleYaml(NEXT));
    expect(d.endpoints).toEqual({
      added: [asyncSpec("new/*", "http://new:8000/statefun")],
      removed: [
        {
          functions: "old/*",
          kind: "io.statefun.endpoints.v1/http",
          spec: {
            functions: "old/*",
            urlPathTemplate: "http://old:8000/statefun",
            timeouts: { call: "1 min", connect: "10 s", read: "10 s", write: "10 s" },
          },
        },
      ],
      changed: [
        { before: asyncSpec("shop/cart", "http://shop:8000/statefun"), after: asyncSpec("shop/cart", "http://shop:8000/statefun", "5 min") },
      ],
      unchanged: 1,
    });
    expect(d.ingresses).toEqual({
      added: [],
      removed: [{ id: "io.statefun.playground/ingress", kind: "io.statefun.playground.v1/ingress", spec: { port: 8090 } }],
      changed: [],
      unchanged: 0,
    });
    expect(d.egresses).toEqual({
      added: [{ id: "example/stream", kind: "io.statefun.kinesis.v1/egress", spec: { id: "example/stream" } }],
      removed: [],
      changed: [
        {
          before: { id: "io.statefun.playground/egress", kind: "io.statefun.playground.v1/egress", spec: { port: 8091, topics: ["greetings"] } },
          after: {
            id: "io.statefun.playground/egress",
            kind: "io.statefun.playground.v1/egress",
            spec: { port: 8091, topics: ["greetings", "farewells"] },
          },
        },
      ],
      unchanged: 1,
    });
  });

  it("fits the ModuleDiff contract and is plain JSON", () => {
    const d = diffModule(parseModuleYaml(CURRENT), parseModuleYaml(NEXT));
    expect(ModuleDiff.parse({ applied: false, ...d })).toEqual({ applied: false, ...d });
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });

  it("the same module is all unchanged, whatever the document order", () => {
    const current = parseModuleYaml(CURRENT);
    const reordered = parseModuleYaml(CURRENT.split("---\n").reverse().join("---\n"));
    expect(diffModule(current, reordered)).toEqual({
      endpoints: { added: [], removed: [], changed: [], unchanged: 3 },
      ingresses: { added: [], removed: [], changed: [], unchanged: 1 },
      egresses: { added: [], removed: [], changed: [], unchanged: 2 },
    });
  });

  it("a first import is all added, sorted by key; an empty module removes everything", () => {
    const next = parseModuleYaml(CURRENT);
    const first = diffModule(EMPTY, next);
    expect(first.endpoints.added.map((e) => e.functions)).toEqual(["example/*", "old/*", "shop/cart"]);
    expect(first.egresses.added.map((e) => e.id)).toEqual(["example/out", "io.statefun.playground/egress"]);
    expect(first.ingresses.added).toHaveLength(1);
    const wipe = diffModule(next, EMPTY);
    expect([wipe.endpoints.removed.length, wipe.ingresses.removed.length, wipe.egresses.removed.length]).toEqual([3, 1, 2]);
  });

  it("changing only the endpoint kind, a transport extra or a Kafka field is a change", () => {
    const base = parseModuleYaml(CURRENT);
    const v1 = parseModuleYaml(CURRENT.replace("io.statefun.endpoints.v2/http\nspec:\n  functions: example/*", "io.statefun.endpoints.v1/http\nspec:\n  functions: example/*"));
    const kindChange = diffModule(base, v1).endpoints.changed;
    expect(kindChange).toHaveLength(1);
    expect(kindChange[0].before.kind).toBe("io.statefun.endpoints.v2/http");
    expect(kindChange[0].after.kind).toBe("io.statefun.endpoints.v1/http");

    const pool = parseModuleYaml(CURRENT.replace("  urlPathTemplate: http://shop:8000/statefun\n", "  urlPathTemplate: http://shop:8000/statefun\n  transport:\n    pool_size: 16\n"));
    expect(diffModule(base, pool).endpoints.changed.map((c) => c.after.functions)).toEqual(["shop/cart"]);

    const kafka = parseModuleYaml(CURRENT.replace("address: kafka:9092", "address: kafka-2:9092"));
    const changed = diffModule(base, kafka).egresses.changed;
    expect(changed).toHaveLength(1);
    expect(changed[0].after.spec).toEqual({ id: "example/out", address: "kafka-2:9092" });
  });
});
