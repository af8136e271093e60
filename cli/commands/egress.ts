import type { Command } from "commander";
import type { z } from "zod";
import { api } from "../../server/contracts/api";
import type { EgressRecordView } from "../../server/contracts/egress";
import { intArg, parseEgressId } from "../args";
import { act, type Cli } from "../context";
import { loop, pause, untilInterrupted } from "../interrupt";
import { preview } from "../output";

type Rec = z.infer<typeof EgressRecordView>;

interface TailOptions {
  topic?: string;
  application?: string;
  follow?: boolean;
  limit: number;
  interval: number;
}

/** `12:00:01.234  greetings  example/greeter/Bob  Welcome Bob`: the payload whole, the rest in columns. */
const line = (r: Rec) => `${r.at.slice(11, 23)}  ${r.topic ?? "-"}  ${r.source}  ${preview(r.value ?? `base64:${r.base64}`, 10_000)}`;

/**
 * The newest records (from=end), then, with -f, every newer one as it arrives: polls with after=<tail>, the last
 * record the server examined, reading on at once while a page comes back full.
 */
async function tail(cli: Cli, egressId: string, o: TailOptions): Promise<void> {
  const params = parseEgressId(egressId);
  const base = { topic: o.topic, application: o.application };
  const print = (records: Rec[]) => records.forEach((r) => cli.out.item(r, () => line(r)));
  const first = await cli.client.call(api.readEgress, { params, query: { ...base, from: "end", limit: o.limit } });
  print(first.records);
  if (!o.follow) {
    if (first.records.length === 0) cli.out.note(`No records in ${first.egress}${o.topic ? ` on topic ${o.topic}` : ""} yet (add -f to wait for them).`);
    return;
  }
  let after = first.tail;
  const { signal, dispose } = untilInterrupted();
  try {
    await loop(signal, async () => {
      const page = await cli.client.call(api.readEgress, { params, query: { ...base, ...(after ? { after } : { from: "start" }), limit: 1000 }, signal });
      print(page.records);
      after = page.tail ?? after;
      return page.next !== null || (await pause(o.interval, signal));
    });
  } finally {
    dispose();
  }
}

export function registerEgress(program: Command): void {
  const e = program.command("egress").description("egress records");
  e.command("tail")
    .argument("<egress>", "the egress id namespace/name, e.g. io.statefun.playground/egress")
    .option("--topic <topic>", "only this topic")
    .option("--application <app>", "when several applications declare the egress")
    .option("-f, --follow", "keep printing new records until Ctrl-C")
    .option("--limit <n>", "how many of the newest records to show first (1–1000)", intArg(1), 20)
    .option("--interval <ms>", "poll interval with -f", intArg(100), 1000)
    .description("print the newest records of an egress (one JSON line each with --json); -f follows")
    .action(act((cli, id: string, o: TailOptions) => tail(cli, id, o)));
}
