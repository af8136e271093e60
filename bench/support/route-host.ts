/**
 * A stand-in for `next start` when no production build exists: a node:http server that serves ONE route
 * handler module of the app (app/api/…/route.ts) the way Next does — a web Request whose body is the
 * IncomingMessage (read as the handler pulls it), the params promise, the web Response written back as it streams.
 * Next's router, proxy and rendering are not here, so its RSS is the handler's plus Node's, not Next's.
 *
 *   node --import tsx bench/support/route-host.ts <port> <route.ts> <path pattern, e.g. /api/v1/applications/{app}/savepoints/import>
 *
 * Prints "listening" when ready. Run it with cwd at the tree the route belongs to (its tsconfig maps "@/…").
 */
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";

const [port, routeFile, pattern] = process.argv.slice(2);
const mod = (await import(pathToFileURL(routeFile).href)) as Record<string, (req: Request, next: unknown) => Promise<Response>>;
const names = [...pattern.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
const matcher = new RegExp(`^${pattern.replace(/\{\w+\}/g, "([^/]+)")}$`);

createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
    const m = matcher.exec(url.pathname);
    const fn = m ? mod[req.method ?? "GET"] : undefined;
    if (!m || !fn) {
      res.writeHead(404).end();
      return;
    }
    const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    // as Next does (NextRequestAdapter.fromNodeNextRequest): the IncomingMessage itself is the body, read as it is pulled
    const request = new Request(url, { method: req.method, headers, body: hasBody ? req : undefined, duplex: "half" } as unknown as RequestInit);
    const response = await fn(request, { params: Promise.resolve(params) });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
    res.end();
  } catch (e) {
    console.error(e);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  }
}).listen(Number(port), "127.0.0.1", () => console.log("listening"));
