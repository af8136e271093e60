import type { Ctx } from "../../server/context";
import { createApiToken } from "../../server/auth/api-tokens";
import { apiClient } from "../../tests/support/api-client";

/**
 * The application `bench` with every `bench/*` type bound to the counter function at `fnUrl`, set up through the
 * API's route handlers as the admin, and an operator API token to send with (looked up in Postgres, then cached,
 * as a user's would be). `maxNumBatchRequests` is the mailbox limit too (StateFun's), so room for the deepest
 * backlog a benchmark queues per address. `call`/`must` make further admin calls (e.g. pause and resume).
 */
export async function benchApp(ctx: Ctx, fnUrl: string, maxNumBatchRequests: number) {
  const call = await apiClient(ctx.env.STATEHOUSE_ADMIN_TOKEN!);
  const must = async (r: Promise<{ status: number; text: string }>, status: number) => {
    const res = await r;
    if (res.status !== status) throw new Error(`setup call failed (${res.status}): ${res.text}`);
    return res;
  };
  await must(call("POST", "/api/v1/applications", { body: { name: "bench" } }), 201);
  await must(call("POST", "/api/v1/applications/{app}/endpoints", { params: { app: "bench" }, body: { functions: "bench/*", urlPathTemplate: fnUrl, maxNumBatchRequests } }), 201);
  const admin = { kind: "admin-token", name: "admin-token", role: "admin" } as const;
  const token = (await createApiToken(ctx, admin, { name: "bench-sender", role: "operator" })).token;
  return { call, must, token };
}
