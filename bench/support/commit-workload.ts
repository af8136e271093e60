import { DataPlane, type Claimed } from "../../server/dispatch/data-plane";
import { encodeEntry } from "../../server/dispatch/entries";
import { functionTypeOf, parseAddress } from "../../server/dispatch/keys";
import { encodePrimitive, PRIMITIVE_TYPENAMES } from "../../server/protocol/typed-values";

/**
 * The commit-script workload (as bench/dispatch.ts `raw`): addresses written by the data-plane scripts themselves,
 * enqueue → claim → commit of one int value `n` = 1, without a function or a worker in between.
 */
const ONE = Buffer.from(encodePrimitive(PRIMITIVE_TYPENAMES.int, 1));
const SUMMARY = JSON.stringify({ n: 1, m: ["set n"], o: [], d: 0, e: 0 });
const NO_STATE = new Map<string, Buffer>();
/** A lease long enough that nothing reaps what the benchmark pre-claimed while it commits. */
const LEASE_MS = 3_600_000;

/** A fresh mailbox entry (`bench/Tick` JSON carrying its send time). */
export const tick = () => encodeEntry("m", Date.now(), null, { typename: "bench/Tick", hasValue: true, value: Buffer.from(`{"t":${Date.now()}}`) });
/** `<type>/<from>` … `<type>/<to - 1>` */
export const ids = (type: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${type}/${from + i}`);

/** A fixed-seed shuffle (mulberry32): commits land on the partitions in the same interleaved order every run. */
export function shuffled<T>(xs: T[], seed = 1): T[] {
  let a = seed;
  const rand = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/**
 * One message to each address, then every address claimed by this process (slim: state and mailbox dropped),
 * returned shuffled: claims come partition by partition, and traffic does not.
 */
export async function enqueueAndClaim(dp: DataPlane, addresses: string[], functionType: string, slim: boolean, chunk = 20_000): Promise<Claimed[]> {
  const entry = tick();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < addresses.length) {
        const from = next;
        next += chunk;
        await dp.enqueue(addresses.slice(from, from + chunk).map((address) => ({ address, functionType, entry, cap: 0 })), 60_000);
      }
    }),
  );
  const out: Claimed[] = [];
  await Promise.all(
    Array.from({ length: dp.keys.partitions }, async (_, p) => {
      for (;;) {
        const cs = await dp.claim(p, 1000, 1, LEASE_MS);
        for (const c of cs) out.push(slim ? { ...c, state: NO_STATE, mailbox: [] } : c);
        if (cs.length < 1000) return;
      }
    }),
  );
  return shuffled(out);
}

/** Commits every claimed address (one value `n` = 1, its one message consumed), 256 in flight; seconds. */
export async function commitAll(dp: DataPlane, claimed: Claimed[]): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 256 }, async () => {
      while (next < claimed.length) {
        const c = claimed[next++];
        await dp.commit({ claimed: c, functionType: functionTypeOf(parseAddress(c.address)!), consumed: 1, mutations: [{ name: "n", op: "M", value: ONE }], outgoing: [], timers: [], egress: [], summary: SUMMARY });
      }
    }),
  );
  return (performance.now() - t0) / 1000;
}
