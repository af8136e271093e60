import type { NextRequest } from "next/server";
import { undecodableResponse, undecodableSegment } from "./server/http/path-escapes";

/**
 * Runs before Next routes a request. The API promises a JSON error body with a 4xx for bad input, but a path
 * segment with a malformed percent-escape (`/api/v1/jobs/%ff`) fails inside Next's router, before the route
 * handler and its error mapping, with Next's HTML error page (500 from `next start`). Everything else passes.
 */
export function proxy(request: NextRequest): Response | undefined {
  const segment = undecodableSegment(request.nextUrl.pathname);
  return segment === null ? undefined : undecodableResponse(segment);
}

/**
 * Only paths holding a `%`: Next buffers the body of every request the proxy runs for (and cuts it at
 * proxyClientMaxBodySize), so a savepoint import or an NDJSON batch must never pass through it.
 */
export const config = { matcher: [{ source: "/api/(.*%.*)" }] };
