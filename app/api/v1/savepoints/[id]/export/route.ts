import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { exportSavepoint, toByteStream } from "@/server/durability/export";
import { poolOf } from "@/server/durability/pool";

export const dynamic = "force-dynamic";
export const GET = handler(api.exportSavepoint, async ({ ctx, params }) => {
  const file = await exportSavepoint(ctx, poolOf(ctx), params.id);
  return new Response(toByteStream(file.chunks), {
    headers: {
      "content-type": "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="${file.filename}"`,
      "cache-control": "no-store",
    },
  });
});
