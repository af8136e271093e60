/**
 * The demo's gentle trickle: a message every `--interval` to the playground greeter and shopping cart, through
 * the playground ingress port, so the console has something alive to show. It takes its own greetings and
 * receipts back off the playground egress (peek, then pop only that record), so a user's
 * `curl localhost:8091/greetings` gets the user's greeting, not one of these.
 *
 *   tsx examples/trickle.ts --ingress http://127.0.0.1:8090 --egress http://127.0.0.1:8091 [--interval 2s]
 *
 * Its cast has full names ("Ada Lovelace") that a user trying the playground is unlikely to type.
 * PLAYGROUND_TOKEN, when the ports require one, comes from the environment like every Statehouse setting (server/env.ts).
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { envOrExit } from "../server/env";

export const CAST = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov", "Donald Knuth", "Margaret Hamilton", "Ken Thompson"];
const SHOPPERS = ["ada-lovelace", "grace-hopper", "alan-turing"];
const ITEMS = ["socks", "mug", "poster", "notebook"];

const castOwns = (payload: string): boolean =>
  CAST.some((n) => payload.endsWith(` ${n}`) || payload.endsWith(` ${n}!`)) ||
  SHOPPERS.some((u) => payload.startsWith(`Receipt{userId='${u}'`));

export interface TrickleOptions {
  ingress: string;
  egress: string;
  intervalMs: number;
  token?: string;
  /** Take the trickle's own records back off the egress (default true; false only for the test's negative control). */
  takeBack?: boolean;
  /** Called with each failure (the trickle goes on: the stack may still be starting). */
  onError?: (err: Error) => void;
}

export interface Trickle {
  /** Messages accepted by the ingress so far. */
  sent(): number;
  /** Own records taken back off the egress so far. */
  takenBack(): number;
  stop(): Promise<void>;
}

const pick = <T>(xs: T[], n: number): T => xs[n % xs.length];

export function startTrickle(o: TrickleOptions): Trickle {
  const auth: Record<string, string> = o.token ? { authorization: `Bearer ${o.token}` } : {};
  let sent = 0;
  let takenBack = 0;
  let tick = 0;
  let stopped = false;

  async function put(address: string, typename: string, value: unknown): Promise<void> {
    const res = await fetch(`${o.ingress}/${address.split("/").map(encodeURIComponent).join("/")}`, {
      method: "PUT",
      headers: { "content-type": `application/vnd.${typename}`, ...auth },
      body: JSON.stringify(value),
      signal: AbortSignal.timeout(5_000),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`PUT ${address} answered ${res.status}`);
    sent++;
  }

  /** Pops the topic's next records while they are the trickle's own; stops at the first that is not (or none). */
  async function takeBack(topic: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const peek = await fetch(`${o.egress}/${topic}`, { headers: { "x-statehouse-peek": "true", ...auth }, signal: AbortSignal.timeout(5_000) });
      const text = await peek.text();
      const id = peek.headers.get("x-statehouse-record");
      if (peek.status !== 200 || !id || !castOwns(text)) return;
      const pop = await fetch(`${o.egress}/${topic}`, { headers: { "x-statehouse-pop-if": id, ...auth }, signal: AbortSignal.timeout(5_000) });
      await pop.arrayBuffer();
      if (pop.status !== 200) return; // someone popped it first
      takenBack++;
    }
  }

  async function step(n: number): Promise<void> {
    if (n % 2 === 0) {
      const name = pick(CAST, n / 2);
      await put(`example/person/${name}`, "example/GreetRequest", { name });
    } else {
      const k = (n - 1) / 2;
      const userId = pick(SHOPPERS, k);
      const itemId = pick(ITEMS, k);
      if (k % 3 === 0) await put(`com.example/stock/${itemId}`, "com.example/RestockItem", { itemId, quantity: 5 });
      else if (k % 11 === 10) await put(`com.example/user-shopping-cart/${userId}`, "com.example/Checkout", { userId });
      else await put(`com.example/user-shopping-cart/${userId}`, "com.example/AddToCart", { userId, quantity: 1, itemId });
    }
    if (o.takeBack === false) return;
    await takeBack("greetings");
    await takeBack("receipts");
  }

  const loop = (async () => {
    while (!stopped) {
      try {
        await step(tick++);
      } catch (e) {
        o.onError?.(e as Error);
      }
      await new Promise((r) => setTimeout(r, o.intervalMs));
    }
  })();

  return {
    sent: () => sent,
    takenBack: () => takenBack,
    async stop() {
      stopped = true;
      await loop;
      if (o.takeBack === false) return;
      // its last messages may still be on their way to the egress: leave none of its records behind
      await new Promise((r) => setTimeout(r, 500));
      await Promise.all([takeBack("greetings"), takeBack("receipts")]).catch(() => undefined); // the ingress may be stopping too
    },
  };
}

/** "2s", "500ms", "1.5s" or plain milliseconds. */
export function parseInterval(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/.exec(raw.trim());
  if (!m) throw new Error(`--interval must be a duration such as 2s or 500ms, not "${raw}"`);
  const ms = Number(m[1]) * (m[2] === "s" ? 1000 : 1);
  if (ms < 50) throw new Error("--interval must be at least 50ms: this is a trickle");
  return ms;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    const { values } = parseArgs({
      options: { ingress: { type: "string", default: "http://127.0.0.1:8090" }, egress: { type: "string", default: "http://127.0.0.1:8091" }, interval: { type: "string", default: "2s" } },
    });
    let lastError = "";
    const trickle = startTrickle({
      ingress: values.ingress!.replace(/\/$/, ""),
      egress: values.egress!.replace(/\/$/, ""),
      intervalMs: parseInterval(values.interval!),
      token: envOrExit().PLAYGROUND_TOKEN,
      onError: (e) => {
        if (e.message !== lastError) console.error(`trickle: ${e.message} (going on)`);
        lastError = e.message;
      },
    });
    console.log(`trickle: a message every ${values.interval} to the greeter and the shopping cart via ${values.ingress}`);
    const stop = () => void trickle.stop().then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  } catch (e) {
    console.error(`trickle: ${(e as Error).message}`);
    process.exit(2);
  }
}
