import { describe, expect, it } from "vitest";
import { parseModuleYaml } from "@/server/registry/module/parse-module";
import { emitModuleYaml } from "@/server/registry/module/emit-module";

describe("io.statehouse.webhook.v1/egress", () => {
  it("parses, keeps its spec and round-trips", () => {
    const m = parseModuleYaml("kind: io.statehouse.webhook.v1/egress\nspec:\n  id: shop/receipts\n  url: https://hooks.example/receipts\n  timeout: 5s\n  maxAttempts: 3\n");
    expect(m.egresses).toEqual([{ id: "shop/receipts", kind: "io.statehouse.webhook.v1/egress", spec: { id: "shop/receipts", url: "https://hooks.example/receipts", timeout: "5s", maxAttempts: 3 } }]);
    expect(parseModuleYaml(emitModuleYaml(m))).toEqual(m);
  });

  it("rejects a missing or non-http URL and a bad timeout, naming the document", () => {
    expect(() => parseModuleYaml("kind: io.statehouse.webhook.v1/egress\nspec:\n  id: shop/receipts\n")).toThrow(/document 1 .*url/);
    expect(() => parseModuleYaml("kind: io.statehouse.webhook.v1/egress\nspec:\n  id: shop/receipts\n  url: ftp://x/y\n")).toThrow(/must be an http\(s\) URL/);
    expect(() => parseModuleYaml("kind: io.statehouse.webhook.v1/egress\nspec:\n  id: shop/receipts\n  url: http://x/y\n  timeout: soon\n")).toThrow(/timeout/);
  });
});
