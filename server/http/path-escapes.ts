/**
 * A URL path segment whose percent-escapes do not decode (`%ff`, `%e0%a4`, a stray `%`, an encoded lone
 * surrogate `%ed%a0%80`): Next's router fails to decode it while matching a dynamic route, before any route
 * handler runs, and answers its HTML error page. The proxy (proxy.ts) answers these with the API's error body.
 * No imports: the proxy bundles this file.
 */
export function undecodableSegment(pathname: string): string | null {
  for (const segment of pathname.split("/")) {
    if (!segment.includes("%")) continue;
    try {
      decodeURIComponent(segment);
    } catch {
      return segment;
    }
  }
  return null;
}

/** What the proxy answers for such a path: the `{error: {code, message}}` body every failure has. */
export function undecodableResponse(segment: string): Response {
  const shown = segment.length > 120 ? `${segment.slice(0, 120)}…` : segment;
  return Response.json(
    { error: { code: "bad-request", message: `the path segment "${shown}" is not valid percent-encoded UTF-8` } },
    { status: 400, headers: { "cache-control": "no-store" } },
  );
}
