import { z } from "zod";
import { api, type RouteSpec } from "../contracts/api";
import { ErrorBody } from "../contracts/errors";
import { statusOf } from "../errors";

type Json = Record<string, unknown>;

const schema = (t: z.ZodType, io: "input" | "output"): Json => {
  const s = z.toJSONSchema(t, { io, unrepresentable: "any", target: "draft-2020-12" }) as Json;
  delete s.$schema;
  return s;
};

function parameters(spec: RouteSpec): Json[] {
  const out: Json[] = [];
  for (const [where, obj] of [["path", spec.params], ["query", spec.query]] as const) {
    if (!obj) continue;
    const js = schema(obj, "input") as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, s] of Object.entries(js.properties ?? {}))
      out.push({ name, in: where, required: where === "path" || (js.required ?? []).includes(name), schema: s });
  }
  return out;
}

const content = (body: z.ZodType | { raw: string }, io: "input" | "output") =>
  "raw" in body ? { [body.raw]: { schema: { type: "string" } } } : { "application/json": { schema: schema(body as z.ZodType, io) } };

/** OpenAPI 3.1, generated from the same zod contracts the route handlers parse with. */
export function openApiDocument(): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const errors = Object.fromEntries(
    [...new Set(Object.values(statusOf))].filter((s) => s >= 400).map((s) => [String(s), { description: "error", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } }]),
  );
  for (const [operationId, spec] of Object.entries(api) as Array<[string, RouteSpec]>) {
    paths[spec.path] ??= {};
    paths[spec.path][spec.method.toLowerCase()] = {
      operationId,
      summary: spec.summary,
      tags: [spec.tag],
      ...(spec.role ? { security: [{ bearer: [] }, { session: [] }], "x-required-role": spec.role } : { security: [] }),
      parameters: parameters(spec),
      ...(spec.body ? { requestBody: { required: true, content: content(spec.body, "input") } } : {}),
      responses: { [String(spec.status ?? 200)]: { description: "success", content: content(spec.response, "output") }, ...errors },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Statehouse API", version: "1", description: "Stateful functions (Apache Flink StateFun protocol v3) without Flink." },
    paths,
    components: {
      schemas: { Error: schema(ErrorBody, "output") },
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "API token or STATEHOUSE_ADMIN_TOKEN" },
        session: { type: "apiKey", in: "cookie", name: "sh_session", description: "console session; mutations also need X-CSRF-Token" },
      },
    },
  };
}
