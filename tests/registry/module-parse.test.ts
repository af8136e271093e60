import { describe, expect, it } from "vitest";
import { AppError } from "@/server/errors";
import { parseModuleYaml } from "@/server/registry/module/parse-module";

/** The error parseModuleYaml throws for `text` (fails the test when it does not throw an AppError). */
function errorOf(text: string): AppError {
  try {
    parseModuleYaml(text);
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("expected parseModuleYaml to throw");
}

const endpoint = (spec: string, kind = "io.statefun.endpoints.v2/http") => `kind: ${kind}\nspec:\n${spec}`;
const greeterEndpoint = endpoint("  functions: example/*\n  urlPathTemplate: http://functions:8000/statefun\n");

const PLAYGROUND_MODULE = `kind: io.statefun.endpoints.v2/http
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

describe("parseModuleYaml: the playground module", () => {
  it("parses the §4.2 endpoint with async defaults and the playground ingress/egress with their fixed ids", () => {
    expect(parseModuleYaml(PLAYGROUND_MODULE)).toEqual({
      endpoints: [
        {
          kind: "io.statefun.endpoints.v2/http",
          functions: "example/*",
          namespace: "example",
          typeName: null,
          urlPathTemplate: "http://functions:8000/statefun",
          maxNumBatchRequests: 1000,
          transportType: "io.statefun.transports.v1/async",
          callTimeoutMs: 120_000,
          connectTimeoutMs: 20_000,
          readTimeoutMs: null,
          writeTimeoutMs: null,
          transportExtra: {},
        },
      ],
      ingresses: [{ id: "io.statefun.playground/ingress", kind: "io.statefun.playground.v1/ingress", spec: { port: 8090 } }],
      egresses: [
        { id: "io.statefun.playground/egress", kind: "io.statefun.playground.v1/egress", spec: { port: 8091, topics: ["greetings"] } },
      ],
    });
  });

  it("ignores null documents, comment-only documents and unknown fields", () => {
    const text = `---
# nothing here
---
kind: io.statefun.endpoints.v2/http
extra: ignored
spec:
  functions: example/greeter
  urlPathTemplate: http://functions:8000/{function.name}
  unknownField: 42
---
---
kind: io.statefun.playground.v1/ingress
spec:
  port: 8090
  whatever: true
`;
    const m = parseModuleYaml(text);
    expect(m.endpoints).toHaveLength(1);
    expect(m.endpoints[0]).toMatchObject({ functions: "example/greeter", namespace: "example", typeName: "greeter" });
    expect(m.endpoints[0]).not.toHaveProperty("unknownField");
    expect(m.ingresses).toEqual([{ id: "io.statefun.playground/ingress", kind: "io.statefun.playground.v1/ingress", spec: { port: 8090 } }]);
  });

  it("accepts an empty module", () => {
    expect(parseModuleYaml("")).toEqual({ endpoints: [], ingresses: [], egresses: [] });
    expect(parseModuleYaml("# only a comment\n---\n")).toEqual({ endpoints: [], ingresses: [], egresses: [] });
  });

  it("keeps document order", () => {
    const text = [
      endpoint("  functions: b/x\n  urlPathTemplate: http://b/\n"),
      endpoint("  functions: a/x\n  urlPathTemplate: http://a/\n"),
    ].join("---\n");
    expect(parseModuleYaml(text).endpoints.map((e) => e.functions)).toEqual(["b/x", "a/x"]);
  });
});

describe("parseModuleYaml: durations and defaults", () => {
  const timeouts = (text: string) => {
    const [e] = parseModuleYaml(text).endpoints;
    return { type: e.transportType, call: e.callTimeoutMs, connect: e.connectTimeoutMs, read: e.readTimeoutMs, write: e.writeTimeoutMs };
  };

  it("v2 without transport: async, call 2 min, connect 20 s, batch 1000", () => {
    const [e] = parseModuleYaml(greeterEndpoint).endpoints;
    expect(e.maxNumBatchRequests).toBe(1000);
    expect(timeouts(greeterEndpoint)).toEqual({ type: "io.statefun.transports.v1/async", call: 120_000, connect: 20_000, read: null, write: null });
  });

  it("v2 async top-level call/connect in Flink syntax", () => {
    const text = endpoint("  functions: example/*\n  urlPathTemplate: http://f/\n  transport:\n    call: 15min\n    connect: 10seconds\n");
    expect(timeouts(text)).toMatchObject({ call: 900_000, connect: 10_000 });
    const plain = endpoint("  functions: example/*\n  urlPathTemplate: http://f/\n  transport:\n    call: 60000millisecond\n    connect: 1500\n");
    expect(timeouts(plain)).toMatchObject({ call: 60_000, connect: 1_500 });
  });

  it("a v2 `timeouts` object wins over top-level keys, and its missing keys fall back to 1 min / 10 s", () => {
    const onlyCall = endpoint(
      "  functions: example/*\n  urlPathTemplate: http://f/\n  transport:\n    call: 5 min\n    connect: 30 s\n    timeouts:\n      call: 30 s\n",
    );
    expect(timeouts(onlyCall)).toMatchObject({ call: 30_000, connect: 10_000 });
    const empty = endpoint("  functions: example/*\n  urlPathTemplate: http://f/\n  transport:\n    timeouts: {}\n");
    expect(timeouts(empty)).toMatchObject({ call: 60_000, connect: 10_000 });
  });

  it("v1 is always okhttp with 1 min / 10 s / 10 s / 10 s defaults", () => {
    const v1 = endpoint("  functions: example/*\n  urlPathTemplate: http://f/\n", "io.statefun.endpoints.v1/http");
    expect(timeouts(v1)).toEqual({ type: "io.statefun.transports.v1/okhttp", call: 60_000, connect: 10_000, read: 10_000, write: 10_000 });
    const set = endpoint(
      "  functions: example/*\n  urlPathTemplate: http://f/\n  maxNumBatchRequests: 10\n  timeouts:\n    call: 2 min\n    read: 30 s\n",
      "io.statefun.endpoints.v1/http",
    );
    expect(timeouts(set)).toEqual({ type: "io.statefun.transports.v1/okhttp", call: 120_000, connect: 10_000, read: 30_000, write: 10_000 });
    expect(parseModuleYaml(set).endpoints[0].maxNumBatchRequests).toBe(10);
  });

  it("v1 connect/read/write must not exceed call", () => {
    const text = greeterEndpoint + "---\n" + endpoint(
      "  functions: other/*\n  urlPathTemplate: http://f/\n  timeouts:\n    call: 5 s\n",
      "io.statefun.endpoints.v1/http",
    );
    // connect's default (10 s) now exceeds call (5 s).
    const e = errorOf(text);
    expect(e.code).toBe("invalid-duration");
    expect(e.message).toMatch(/^document 2 \(kind io\.statefun\.endpoints\.v1\/http\): spec\.timeouts\.connect: /);
    expect(e.details).toMatchObject({ document: 2, kind: "io.statefun.endpoints.v1/http", path: "spec.timeouts.connect" });
  });

  it("rejects `2 fortnights` with invalid-duration naming the document and field", () => {
    const text = greeterEndpoint.replace("example/*", "a/*") + "---\n" + endpoint(
      "  functions: example/*\n  urlPathTemplate: http://f/\n  transport:\n    call: 2 fortnights\n",
    );
    const e = errorOf(text);
    expect(e.code).toBe("invalid-duration");
    expect(e.message).toMatch(/^document 2 \(kind io\.statefun\.endpoints\.v2\/http\): spec\.transport\.call: /);
    expect(e.message).toContain("fortnights");
    expect(e.details).toMatchObject({ document: 2, path: "spec.transport.call", line: 11 });
  });

  it("rejects a zero timeout", () => {
    const e = errorOf(endpoint("  functions: example/*\n  urlPathTemplate: http://f/\n  transport:\n    connect: 0 ms\n"));
    expect(e.code).toBe("invalid-duration");
    expect(e.details).toMatchObject({ path: "spec.transport.connect" });
  });
});

describe("parseModuleYaml: rejected input", () => {
  it("a YAML syntax error names the 1-based document index and the line", () => {
    const text = `${greeterEndpoint}---
kind: io.statefun.playground.v1/ingress
spec:
  port: 8090
---
kind: io.statefun.playground.v1/egress
spec:
  topics: [greetings
  port: 8091
`;
    const e = errorOf(text);
    expect(e.code).toBe("invalid-yaml");
    expect(e.message).toMatch(/document 3\b/);
    expect(e.message).toMatch(/line \d+/);
    expect(e.details).toMatchObject({ document: 3 });
    expect(e.details?.line).toBeGreaterThanOrEqual(12);
  });

  it("a duplicate key is a YAML error naming its document", () => {
    const e = errorOf(`${greeterEndpoint}---\nkind: io.statefun.playground.v1/ingress\nspec:\n  port: 1\n  port: 2\n`);
    expect(e.code).toBe("invalid-yaml");
    expect(e.message).toContain("document 2");
    expect(e.details).toMatchObject({ document: 2, line: 9 });
  });

  it("an unresolved alias is a YAML error naming its document", () => {
    const e = errorOf(`${greeterEndpoint}---\nkind: io.statefun.playground.v1/ingress\nspec:\n  port: *nope\n`);
    expect(e.code).toBe("invalid-yaml");
    expect(e.message).toContain("document 2");
  });

  it.each(["ex*mple/greeter", "*/x", "example", "a/b/c"])("rejects the functions pattern %s with invalid-pattern", (pattern) => {
    const text = `${greeterEndpoint}---\n${endpoint(`  functions: "${pattern}"\n  urlPathTemplate: http://f/\n`)}`;
    const e = errorOf(text);
    expect(e.code).toBe("invalid-pattern");
    expect(e.message).toMatch(/^document 2 \(kind io\.statefun\.endpoints\.v2\/http\): spec\.functions: /);
    expect(e.details).toMatchObject({ document: 2, kind: "io.statefun.endpoints.v2/http", path: "spec.functions", line: 8 });
  });

  it("other endpoint problems become invalid-module with the document prefix", () => {
    const missing = errorOf(endpoint("  functions: example/*\n"));
    expect(missing.code).toBe("invalid-module");
    expect(missing.message).toMatch(/^document 1 \(kind io\.statefun\.endpoints\.v2\/http\): spec/);
    expect(missing.message).toContain("urlPathTemplate");
    const empty = errorOf(endpoint('  functions: example/*\n  urlPathTemplate: ""\n'));
    expect(empty.code).toBe("invalid-module");
    expect(empty.message).toMatch(/^document 1 \(kind io\.statefun\.endpoints\.v2\/http\): spec\.urlPathTemplate: /);
    expect(empty.details).toMatchObject({ document: 1, path: "spec.urlPathTemplate", line: 4 });
    const scheme = errorOf(endpoint("  functions: example/*\n  urlPathTemplate: ftp://f/\n"));
    expect(scheme.code).toBe("invalid-module");
    expect(scheme.details).toMatchObject({ document: 1, path: "spec.urlPathTemplate" });
    const transport = errorOf(endpoint("  functions: example/*\n  urlPathTemplate: http://f/\n  transport:\n    type: io.statefun.transports.v1/grpc\n"));
    expect(transport.code).toBe("invalid-module");
    expect(transport.details).toMatchObject({ path: "spec.transport.type" });
  });

  it("an unknown kind is rejected, listing the supported kinds and suggesting a near miss", () => {
    const e = errorOf(`${greeterEndpoint}---\nkind: com.example/thing\nspec: {}\n`);
    expect(e.code).toBe("invalid-module");
    expect(e.message).toMatch(/^document 2 \(kind com\.example\/thing\): unknown component kind/);
    expect(e.message).toContain("io.statefun.endpoints.v2/http");
    expect(e.details).toMatchObject({ document: 2, kind: "com.example/thing" });
    const typo = errorOf("kind: io.statefun.endpoints.v2/htp\nspec: {}\n");
    expect(typo.message).toContain("did you mean io.statefun.endpoints.v2/http?");
  });

  it("Kafka and Kinesis ingress are rejected with a pointer to the HTTP ingress", () => {
    const kafka = errorOf(`${greeterEndpoint}---\n${greeterEndpoint.replace("example/*", "b/*")}---
kind: io.statefun.kafka.v1/ingress
spec:
  id: example/names
  address: kafka:9092
  topics:
    - topic: names
      valueType: io.statefun.types/string
      targets: [example/greeter]
`);
    expect(kafka.code).toBe("invalid-module");
    expect(kafka.message).toMatch(/^document 3 \(kind io\.statefun\.kafka\.v1\/ingress\): /);
    expect(kafka.message).toContain("no Kafka consumer");
    expect(kafka.message).toContain("HTTP ingress");
    expect(kafka.message).toContain("/api/v1/ingress/");
    expect(kafka.details).toMatchObject({ document: 3, kind: "io.statefun.kafka.v1/ingress" });
    const kinesis = errorOf("kind: io.statefun.kinesis.v1/ingress\nspec:\n  id: a/b\n");
    expect(kinesis.message).toMatch(/^document 1 \(kind io\.statefun\.kinesis\.v1\/ingress\): .*no Kinesis consumer.*HTTP ingress/);
  });

  it("legacy format 3.0 is rejected saying only 3.1 is accepted", () => {
    const e = errorOf(`version: "3.0"
module:
  meta:
    type: remote
  spec:
    endpoints:
      - endpoint:
          meta:
            kind: http
          spec:
            functions: example/*
            urlPathTemplate: http://functions:8000/statefun
`);
    expect(e.code).toBe("invalid-module");
    expect(e.message).toMatch(/^document 1: /);
    expect(e.message).toContain("only format 3.1");
    expect(e.details).toMatchObject({ document: 1, kind: null, version: "3.0" });
  });

  it.each(["1.0", "2.0"])("StateFun 2.x format %s is rejected", (version) => {
    const e = errorOf(`version: "${version}"\nmodule:\n  meta:\n    type: remote\n  spec:\n    functions: []\n`);
    expect(e.code).toBe("invalid-module");
    expect(e.message).toContain("StateFun 2.x");
    expect(e.message).toContain("only format 3.1");
  });

  it("documents that are not components are rejected", () => {
    expect(errorOf("- a\n- b\n").message).toMatch(/^document 1: must be a mapping/);
    expect(errorOf(`${greeterEndpoint}---\nspec:\n  port: 1\n`).message).toMatch(/^document 2: missing `kind`/);
    const noSpec = errorOf("kind: io.statefun.playground.v1/ingress\n");
    expect(noSpec.message).toMatch(/^document 1 \(kind io\.statefun\.playground\.v1\/ingress\): missing `spec`/);
    const listSpec = errorOf("kind: io.statefun.endpoints.v2/http\nspec: [1]\n");
    expect(listSpec.details).toMatchObject({ path: "spec" });
  });
});

describe("parseModuleYaml: duplicates", () => {
  it("rejects a functions pattern bound twice, naming both documents", () => {
    const v1 = endpoint("  functions: example/*\n  urlPathTemplate: http://other/\n", "io.statefun.endpoints.v1/http");
    const text = [greeterEndpoint, endpoint("  functions: example/greeter\n  urlPathTemplate: http://f/\n"), v1].join("---\n");
    const e = errorOf(text);
    expect(e.code).toBe("invalid-module");
    expect(e.message).toMatch(/^document 3 \(kind io\.statefun\.endpoints\.v1\/http\): spec\.functions: /);
    expect(e.message).toContain("document 1");
    expect(e.details).toMatchObject({ document: 3, duplicateOf: 1, path: "spec.functions" });
  });

  it("a namespace pattern and an exact type in it are not duplicates", () => {
    const text = [greeterEndpoint, endpoint("  functions: example/greeter\n  urlPathTemplate: http://f/\n")].join("---\n");
    expect(parseModuleYaml(text).endpoints.map((e) => e.functions)).toEqual(["example/*", "example/greeter"]);
  });

  it("rejects two playground ingresses (their id is fixed)", () => {
    const ingress = "kind: io.statefun.playground.v1/ingress\nspec:\n  port: 8090\n";
    const e = errorOf([ingress, greeterEndpoint, ingress].join("---\n"));
    expect(e.code).toBe("invalid-module");
    expect(e.message).toMatch(/^document 3 \(kind io\.statefun\.playground\.v1\/ingress\): ingress id io\.statefun\.playground\/ingress is already declared by document 1/);
  });

  it("rejects two egresses with one id, even of different kinds", () => {
    const kafka = "kind: io.statefun.kafka.v1/egress\nspec:\n  id: example/out\n  address: kafka:9092\n";
    const kinesis = "kind: io.statefun.kinesis.v1/egress\nspec:\n  id: example/out\n";
    const e = errorOf([kafka, kinesis].join("---\n"));
    expect(e.message).toMatch(/^document 2 \(kind io\.statefun\.kinesis\.v1\/egress\): spec\.id: egress id example\/out is already declared by document 1/);
    expect(e.details).toMatchObject({ document: 2, duplicateOf: 1 });
  });

  it("an ingress and an egress may share an id", () => {
    const text = "kind: io.statefun.playground.v1/ingress\nspec:\n  port: 1\n---\nkind: io.statefun.kafka.v1/egress\nspec:\n  id: io.statefun.playground/ingress\n";
    expect(parseModuleYaml(text).egresses).toHaveLength(1);
  });
});

describe("parseModuleYaml: ingress and egress specs", () => {
  it("playground ingress needs a port; playground egress needs a non-empty topics list", () => {
    expect(errorOf("kind: io.statefun.playground.v1/ingress\nspec: {}\n").details).toMatchObject({ path: "spec.port" });
    expect(errorOf("kind: io.statefun.playground.v1/ingress\nspec:\n  port: http\n").message).toContain("spec.port: must be a TCP port");
    const noTopics = errorOf("kind: io.statefun.playground.v1/egress\nspec:\n  port: 8091\n  topics: []\n");
    expect(noTopics.code).toBe("invalid-module");
    expect(noTopics.details).toMatchObject({ path: "spec.topics" });
    expect(errorOf("kind: io.statefun.playground.v1/egress\nspec:\n  topics: [ok, 3]\n").details).toMatchObject({ path: "spec.topics[1]" });
    expect(parseModuleYaml("kind: io.statefun.playground.v1/egress\nspec:\n  topics: [a, b]\n").egresses[0].spec).toEqual({ topics: ["a", "b"] });
  });

  it("keeps a Kafka egress spec as written, with its id", () => {
    const text = `kind: io.statefun.kafka.v1/egress
spec:
  id: example/greets
  address: kafka-broker:9092
  deliverySemantic:
    type: exactly-once
    transactionTimeout: 15min
  properties:
    - transaction.timeout.ms: 7200000
    - compression.type: lz4
  futureField: kept
`;
    expect(parseModuleYaml(text).egresses).toEqual([
      {
        id: "example/greets",
        kind: "io.statefun.kafka.v1/egress",
        spec: {
          id: "example/greets",
          address: "kafka-broker:9092",
          deliverySemantic: { type: "exactly-once", transactionTimeout: "15min" },
          properties: [{ "transaction.timeout.ms": 7200000 }, { "compression.type": "lz4" }],
          futureField: "kept",
        },
      },
    ]);
  });

  it("validates the documented Kafka egress fields", () => {
    const kafka = (body: string) => errorOf(`kind: io.statefun.kafka.v1/egress\nspec:\n${body}`);
    expect(kafka("  address: k:9092\n").details).toMatchObject({ path: "spec.id", kind: "io.statefun.kafka.v1/egress" });
    expect(kafka("  id: not-a-typename\n").details).toMatchObject({ path: "spec.id" });
    const semantic = kafka("  id: a/b\n  deliverySemantic:\n    type: exactly-twice\n");
    expect(semantic.code).toBe("invalid-module");
    expect(semantic.message).toMatch(/^document 1 \(kind io\.statefun\.kafka\.v1\/egress\): spec\.deliverySemantic\.type: must be one of exactly-once, at-least-once, none/);
    expect(kafka("  id: a/b\n  deliverySemantic:\n    type: exactly-once\n").details).toMatchObject({
      path: "spec.deliverySemantic.transactionTimeout",
    });
    const duration = kafka("  id: a/b\n  deliverySemantic:\n    type: exactly-once\n    transactionTimeout: 2 fortnights\n");
    expect(duration.code).toBe("invalid-duration");
    expect(kafka("  id: a/b\n  properties:\n    - a: 1\n      b: 2\n").details).toMatchObject({ path: "spec.properties[0]" });
    expect(kafka("  id: a/b\n  address: [x]\n").details).toMatchObject({ path: "spec.address" });
    // exactly-once with the older millisecond field is fine, and at-least-once needs no timeout.
    expect(() =>
      parseModuleYaml("kind: io.statefun.kafka.v1/egress\nspec:\n  id: a/b\n  deliverySemantic:\n    type: exactly-once\n    transactionTimeoutMillis: 900000\n"),
    ).not.toThrow();
    expect(() => parseModuleYaml("kind: io.statefun.kafka.v1/egress\nspec:\n  id: a/b\n  deliverySemantic:\n    type: at-least-once\n")).not.toThrow();
  });

  it("validates the documented Kinesis egress fields", () => {
    const ok = `kind: io.statefun.kinesis.v1/egress
spec:
  id: example/out
  awsRegion:
    type: custom-endpoint
    endpoint: http://localstack:4566
    id: us-west-1
  awsCredentials:
    type: basic
    accessKeyId: AKIA
    secretAccessKey: secret
  maxOutstandingRecords: 9999
  clientConfigProperties:
    - SocketTimeout: 9999
`;
    const [egress] = parseModuleYaml(ok).egresses;
    expect(egress.id).toBe("example/out");
    expect(egress.spec).toMatchObject({ maxOutstandingRecords: 9999, awsRegion: { type: "custom-endpoint" } });
    expect(errorOf(ok.replace("custom-endpoint", "moon")).details).toMatchObject({ path: "spec.awsRegion.type" });
    expect(errorOf(ok.replace("    endpoint: http://localstack:4566\n", "")).details).toMatchObject({ path: "spec.awsRegion.endpoint" });
    expect(errorOf(ok.replace("    accessKeyId: AKIA\n", "")).details).toMatchObject({ path: "spec.awsCredentials.accessKeyId" });
    expect(errorOf(ok.replace("9999\n  client", "-1\n  client")).details).toMatchObject({ path: "spec.maxOutstandingRecords" });
  });
});
