import { describe, expect, it } from "vitest";
import * as missing from "@/app/api/[...missing]/route";
import { ErrorBody } from "@/server/contracts/errors";
import { callRoute } from "../support/call-route";

describe("an /api path no route claims", () => {
  it.each(["GET", "POST", "PUT", "PATCH", "DELETE"] as const)("answers %s with the API's JSON 404, not the console's login redirect", async (method) => {
    const res = await callRoute(missing[method], method, { path: "/api/v1/no-such-route" });
    expect(res.status).toBe(404);
    expect(ErrorBody.parse(res.json).error.code).toBe("not-found");
    expect(res.json.error.message).toContain(`${method} /api/v1/no-such-route`);
  });
});
