import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { emitModuleYaml, sortModule } from "@/server/registry/module/emit-module";
import { parseModuleYaml, type ParsedModule } from "@/server/registry/module/parse-module";

/** Every component kind Statehouse loads, in an order emitModuleYaml has to change. */
const RICH_MODULE = `kind: io.statefun.kinesis.v1/egress
spec:
  id: example/kinesis-out
  awsRegion:
    type: specific
    id: eu-west-1
  awsCredentials:
    type: profile
    profileName: dev
  maxOutstandingRecords: 500
  clientConfigProperties:
    - SocketTimeout: 9999
---
kind: io.statefun.endpoints.v2/http
spec:
  functions: zeta/greeter
  urlPathTemplate: http://zeta:8000/{function.name}
  maxNumBatchRequests: 0
  transport:
    type: io.statefun.transports.v1/async
    call: 90s
    connect: 1500
    pool_ttl: 30 s
    pool_size: 8
    trust_cacerts: file:///certs/ca.pem
---
kind: io.statefun.endpoints.v2/http
spec:
  functions: alpha/*
  urlPathTemplate: https://alpha.example.com/statefun
  transport:
    type: io.statefun.transports.v1/okhttp
    timeouts:
      call: 3 min
      read: 20 s
---
kind: io.statefun.endpoints.v1/http
spec:
  functions: legacy/*
  urlPathTemplate: http://legacy:8000/statefun
  timeouts:
    call: 2 min
    write: 1 min
---
kind: io.statefun.endpoints.v2/http
spec:
  functions: compat/*
  urlPathTemplate: http://compat:8000/statefun
  transport:
    timeouts:
      call: 45 s
---
kind: io.statefun.playground.v1/egress
spec:
  topics: [greetings, "yes", "on", "1_000", "null"]
---
kind: io.statefun.kafka.v1/egress
spec:
  id: example/kafka-out
  address: kafka:9092
  deliverySemantic:
    type: exactly-once
    transactionTimeout: 15min
  properties:
    - transaction.timeout.ms: 7200000
    - enable.idempotence: "true"
    - acks: "all"
    - client.id: "no"
---
kind: io.statefun.playground.v1/ingress
spec:
  port: 8090
`;

describe("emitModuleYaml", () => {
  it("round-trips: parse(emit(m)) deep-equals m in emit order", () => {
    const m = parseModuleYaml(RICH_MODULE);
    expect(m.endpoints).toHaveLength(4);
    expect(m.egresses).toHaveLength(3);
    expect(parseModuleYaml(emitModuleYaml(m))).toEqual(sortModule(m));
  });

  it("round-trips the playground module and is stable on a second pass", () => {
    const playground = `kind: io.statefun.endpoints.v2/http
spec:
  functions: example/*
  urlPathTemplate: http://functions:8000/statefun
  transport:
    type: io.statefun.transports.v1/async
---
kind: io.statefun.playground.v1/ingress
spec:
  port: 8090
---
kind: io.statefun.playground.v1/egress
spec:
  port: 8091
  topics:
    - greetings
`;
    const m = parseModuleYaml(playground);
    const once = emitModuleYaml(m);
    expect(parseModuleYaml(once)).toEqual(m);
    expect(emitModuleYaml(parseModuleYaml(once))).toBe(once);
    expect(emitModuleYaml(parseModuleYaml(emitModuleYaml(parseModuleYaml(RICH_MODULE))))).toBe(emitModuleYaml(parseModuleYaml(RICH_MODULE)));
  });

  it("writes endpoints sorted by functions, then ingresses, then egresses sorted by id, each as {kind, spec}", () => {
    const docs = parseAllDocuments(emitModuleYaml(parseModuleYaml(RICH_MODULE)));
    expect(Array.isArray(docs) && docs.every((d) => d.errors.length === 0)).toBe(true);
    const components = (docs as Array<{ toJS(): unknown }>).map((d) => d.toJS() as { kind: string; spec: Record<string, unknown> });
    for (const c of components) expect(Object.keys(c).sort()).toEqual(["kind", "spec"]);
    expect(components.map((c) => [c.kind, c.spec.functions ?? c.spec.id ?? null])).toEqual([
      ["io.statefun.endpoints.v2/http", "alpha/*"],
      ["io.statefun.endpoints.v2/http", "compat/*"],
      ["io.statefun.endpoints.v1/http", "legacy/*"],
      ["io.statefun.endpoints.v2/http", "zeta/greeter"],
      ["io.statefun.playground.v1/ingress", null],
      ["io.statefun.kafka.v1/egress", "example/kafka-out"],
      ["io.statefun.kinesis.v1/egress", "example/kinesis-out"],
      ["io.statefun.playground.v1/egress", null],
    ]);
  });

  it("exports what a StateFun runtime needs: explicit transport type and timeouts in Flink syntax", () => {
    const [alpha, compat, legacy, zeta] = parseAllDocuments(emitModuleYaml(parseModuleYaml(RICH_MODULE))).map(
      (d) => (d as { toJS(): { spec: Record<string, unknown> } }).toJS().spec,
    );
    expect(alpha.transport).toMatchObject({ type: "io.statefun.transports.v1/okhttp", timeouts: { call: "3 min", connect: "10 s", read: "20 s", write: "10 s" } });
    // The compatibility `timeouts` form became explicit values, so the file means the same without it.
    expect(compat.transport).toMatchObject({ type: "io.statefun.transports.v1/async", call: "45 s", connect: "10 s" });
    expect(legacy.timeouts).toEqual({ call: "2 min", connect: "10 s", read: "10 s", write: "1 min" });
    expect(zeta).toMatchObject({ maxNumBatchRequests: 0, transport: { call: "90 s", connect: "1500 ms", pool_ttl: "30 s", pool_size: 8 } });
  });

  it("quotes strings a YAML 1.1 reader (StateFun's SnakeYAML) would not read as strings", () => {
    const text = emitModuleYaml(parseModuleYaml(RICH_MODULE));
    const yaml11 = text.split("---\n").map((d) => parse(d, { version: "1.1" }) as { kind: string; spec: Record<string, unknown> });
    const egress = yaml11.find((c) => c.kind === "io.statefun.playground.v1/egress")!;
    expect(egress.spec.topics).toEqual(["greetings", "yes", "on", "1_000", "null"]);
    const kafka = yaml11.find((c) => c.kind === "io.statefun.kafka.v1/egress")!;
    expect(kafka.spec.properties).toEqual([
      { "transaction.timeout.ms": 7200000 },
      { "enable.idempotence": "true" },
      { acks: "all" },
      { "client.id": "no" },
    ]);
  });

  it("an empty module exports as an empty file that parses back to nothing", () => {
    const empty: ParsedModule = { endpoints: [], ingresses: [], egresses: [] };
    expect(emitModuleYaml(empty)).toBe("");
    expect(parseModuleYaml(emitModuleYaml(empty))).toEqual(empty);
  });

  it("does not fold long URLs", () => {
    const url = `http://functions.a-rather-long-internal-domain.example.com:8000/statefun/${"x".repeat(80)}/{function.name}`;
    const m = parseModuleYaml(`kind: io.statefun.endpoints.v2/http\nspec:\n  functions: a/b\n  urlPathTemplate: ${url}\n`);
    const text = emitModuleYaml(m);
    expect(text).toContain(`urlPathTemplate: ${url}\n`);
    expect(parseModuleYaml(text)).toEqual(m);
  });
});
