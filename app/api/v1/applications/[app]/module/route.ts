import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { exportModule, importModule } from "@/server/registry/module-service";

export const dynamic = "force-dynamic";
export const GET = handler(api.getModule, async ({ ctx, params }) =>
  new Response(await exportModule(ctx, params.app), {
    headers: {
      "content-type": "application/yaml; charset=utf-8",
      "content-disposition": `inline; filename="${params.app}-module.yaml"`,
      "cache-control": "no-store",
    },
  }),
);
export const PUT = handler(api.putModule, ({ ctx, principal, params, query, body }) => importModule(ctx, principal, params.app, body, query.dryRun, query.move));
