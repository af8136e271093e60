import { AppError } from "@/server/errors";
import { errorResponse } from "@/server/http/route";

/**
 * An /api path no route claims answers the API's JSON 404 (`not-found`), whatever the method, instead of the
 * console's catch-all page (app/(console)/[...missing]), which would send a caller without a session cookie to
 * the login page.
 */
function missing(req: Request): Response {
  const path = new URL(req.url).pathname;
  return errorResponse(new AppError("not-found", `No API route at ${req.method} ${path}; GET /api/v1/openapi.json lists them all`));
}

export const dynamic = "force-dynamic";
export { missing as GET, missing as POST, missing as PUT, missing as PATCH, missing as DELETE, missing as HEAD, missing as OPTIONS };
