import { describe, expect, it } from "vitest";
import { api, type RouteSpec } from "@/server/contracts/api";
import { openApiDocument } from "@/server/http/openapi";
import { GET } from "@/app/api/v1/openapi.json/route";
import { callRoute } from "../support/call-route";

type Doc = { openapi: string; paths: Record<string, Record<string, any>> };

describe("OpenAPI document", () => {
  it("has one operation per contract entry, with its schemas, role and error shape", () => {
    const doc = openApiDocument() as Doc;
    expect(doc.openapi).toBe("3.1.0");
    const ops = Object.values(doc.paths).flatMap((p) => Object.keys(p));
    expect(ops).toHaveLength(Object.keys(api).length);
    for (const [id, spec] of Object.entries(api) as Array<[string, RouteSpec]>) {
      const op = doc.paths[spec.path][spec.method.toLowerCase()];
      expect(op.operationId).toBe(id);
      if (spec.role) expect(op["x-required-role"]).toBe(spec.role);
      if (spec.method !== "GET" && spec.body) expect(op.requestBody).toBeDefined();
      expect(op.responses["400"].content["application/json"].schema.$ref).toBe("#/components/schemas/Error");
    }
    const create = doc.paths["/api/v1/applications/{app}/endpoints"].post;
    const body = create.requestBody.content["application/json"].schema;
    expect(body.required).toEqual(expect.arrayContaining(["functions", "urlPathTemplate"]));
    expect(body.properties.functions.pattern).toBeDefined();
    expect(create.parameters).toEqual([expect.objectContaining({ name: "app", in: "path", required: true }), expect.objectContaining({ name: "move", in: "query", required: false })]);
    const module = doc.paths["/api/v1/applications/{app}/module"].put;
    expect(Object.keys(module.requestBody.content)).toEqual(["application/yaml"]);
    expect(module.parameters.map((p: { name: string }) => p.name)).toEqual(["app", "dryRun", "move"]);
  });

  it("is served without credentials at /api/v1/openapi.json", async () => {
    const res = await callRoute(GET, "GET");
    expect(res.status).toBe(200);
    expect(res.json.paths["/api/v1/probe"].post.summary).toMatch(/ToFunction/);
  });
});
