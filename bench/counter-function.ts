/**
 * The benchmark's remote function, on the official StateFun JS SDK in a process of its own: a counter per
 * address (state `n`, io.statefun.types/int, +1 per message, nothing sent). Each message is a
 * `bench/Tick` JSON `{"t": <ms when the client sent it>}`; the function keeps `now - t` per function type, so
 * the bench can report client-send → function-invoke latency exactly, beside the histogram figures.
 *
 *   tsx bench/counter-function.ts --port 8001 --types bench/a,bench/b
 *   GET /samples?type=bench/a → {count, p50, p99, max, connectionsAccepted (since start, all types)}
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { StateFun, type Context, type Message } from "apache-flink-statefun";

const { values } = parseArgs({ options: { port: { type: "string", default: "8001" }, types: { type: "string", default: "bench/counter" } } });
const Tick = StateFun.jsonType<{ t: number }>("bench/Tick");
const samples = new Map<string, number[]>();

const statefun = new StateFun();
for (const typename of values.types!.split(",")) {
  const mine: number[] = [];
  samples.set(typename, mine);
  statefun.bind({
    typename,
    specs: [{ name: "n", type: StateFun.intType() }],
    fn: (context: Context, message: Message) => {
      context.storage.n = ((context.storage.n as number | null) ?? 0) + 1;
      const tick = message.as(Tick);
      if (tick && typeof tick.t === "number") mine.push(Date.now() - tick.t);
    },
  });
}
const handle = statefun.handler();

function summary(xs: number[]) {
  if (xs.length === 0) return { count: 0, p50: null, p99: null, max: null };
  const s = Float64Array.from(xs).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { count: s.length, p50: at(0.5), p99: at(0.99), max: s[s.length - 1] };
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://x");
  if (url.pathname === "/statefun" && req.method === "POST") return void handle(req, res);
  if (url.pathname === "/samples") {
    res.writeHead(200, { "content-type": "application/json" });
    return void res.end(JSON.stringify({ ...summary(samples.get(url.searchParams.get("type") ?? "") ?? []), connectionsAccepted: connections }));
  }
  res.writeHead(404).end();
});
server.keepAliveTimeout = 65_000;
let connections = 0;
server.on("connection", () => connections++);
server.listen(Number(values.port), "127.0.0.1", () => console.log(`counter functions on ${values.port}`));
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
