import { functionTypeOf, parseAddress } from "../dispatch/keys";

/**
 * Folds changelog stream entries (written by the data-plane scripts through lua/includes/changelog.lua) into
 * the net change one checkpoint round applies to Postgres. An entry is `<seq>-<chunk>` with a flat list of
 * records: `k` kind, `g`, `at` (header, first chunk only); `a` address + `n` messages consumed; `s` summary +
 * `v` new version; `M:<name>` value / `D:<name>`; `E` target address + `e` mailbox entry (a message delivered
 * into this partition); `T` timer id + `td` "<due ms>:<timer data>"; `X` timer id (fired or cancelled).
 *
 * Mailboxes are FIFO, so the net change of a round is "append these in order, then drop the n oldest": the
 * messages consumed by a commit are always the oldest ones, whether they were appended in this round or before.
 */
export interface AddressChange {
  address: string;
  functionType: string;
  version: number;
  /** Last commit (not patch) in this round: the after-invoke TTL clock. */
  invokedAt: number | null;
  updatedAt: number;
  /** The sequence of the entry that made this change (cp_address.seq). */
  seq: number;
}
export interface ValueChange {
  address: string;
  name: string;
  /** Order of the change in the round (a reset of the address voids lower ones). */
  ord: number;
  /** null: deleted. */
  value: Buffer | null;
  writtenAt: number;
}
export interface MessageAppend {
  ord: number;
  address: string;
  functionType: string;
  seq: number;
  idx: number;
  entry: Buffer;
}
export interface TimerSet {
  partition: number;
  id: string;
  senderType: string;
  dueAt: number;
  data: Buffer;
}

/** The function type of an address ("" if it is not one). */
const typeOf = (address: string) => {
  const ref = parseAddress(address);
  return ref ? functionTypeOf(ref) : "";
};

/** A delayed message belongs to its sender: its timer id is `<sender address>@<version>#d<i>`. */
export const unitOfTimer = (timerId: string) => {
  const at = timerId.lastIndexOf("@");
  return at < 0 ? timerId : timerId.slice(0, at);
};

/** `<seq>-<chunk>` */
export const seqOfId = (id: string) => Number(id.slice(0, id.indexOf("-")));

export class ChangeFold {
  readonly addresses = new Map<string, AddressChange>();
  readonly values = new Map<string, ValueChange>();
  readonly appends: MessageAppend[] = [];
  readonly consumed = new Map<string, number>();
  readonly timersSet = new Map<string, TimerSet>();
  /** Removed timers that existed before this round (a timer set and removed within the round is in neither). */
  readonly timersRemoved = new Map<string, { partition: number; id: string }>();
  /** State specs registered, `function type\0name` → spec (the first registration wins). */
  readonly specs = new Map<string, { functionType: string; name: string; spec: string }>();
  /**
   * Addresses a rollback restored in this round: from which savepoint, with which new version, and the order of
   * the (last) restore — the address's changes before it in the round are void.
   */
  readonly restores = new Map<string, { savepointId: string; version: number; functionType: string; at: number; ord: number; seq: number }>();
  entries = 0;
  private ord = 0;
  /** Per partition: the entry being read (chunks of one sequence continue it). */
  private readonly ctx = new Map<number, { seq: number; kind: string; at: number; address: string; target: string; idx: number; savepoint: string; version: number }>();

  /** Value changes and appends not voided by a later reset of their address. */
  liveValues(): ValueChange[] {
    return [...this.values.values()].filter((v) => v.ord > (this.restores.get(v.address)?.ord ?? -1));
  }
  liveAppends(): MessageAppend[] {
    return this.restores.size ? this.appends.filter((a) => a.ord > (this.restores.get(a.address)?.ord ?? -1)) : this.appends;
  }

  /**
   * This fold's changes split in two new folds by the unit each belongs to (unitOf*): `kept` holds those of units
   * `keep` says yes to, `left` the others. The checkpointer quarantines the units Postgres refuses this way.
   */
  split(keep: (unit: string) => boolean): { kept: ChangeFold; left: ChangeFold } {
    const kept = new ChangeFold();
    const left = new ChangeFold();
    const to = (unit: string) => (keep(unit) ? kept : left);
    for (const [k, a] of this.addresses) to(k).addresses.set(k, a);
    for (const [k, v] of this.values) to(v.address).values.set(k, v);
    for (const a of this.appends) to(a.address).appends.push(a);
    for (const [k, n] of this.consumed) to(k).consumed.set(k, n);
    for (const [k, t] of this.timersSet) to(unitOfTimer(t.id)).timersSet.set(k, t);
    for (const [k, t] of this.timersRemoved) to(unitOfTimer(t.id)).timersRemoved.set(k, t);
    for (const [k, x] of this.specs) to(x.functionType).specs.set(k, x);
    for (const [k, x] of this.restores) to(k).restores.set(k, x);
    kept.entries = this.entries;
    return { kept, left };
  }

  /** Calls `fn` with the unit of every change (repeats included): addresses, and the function types of state specs. */
  forEachUnit(fn: (unit: string) => void): void {
    for (const k of this.addresses.keys()) fn(k);
    for (const v of this.values.values()) fn(v.address);
    for (const a of this.appends) fn(a.address);
    for (const k of this.consumed.keys()) fn(k);
    for (const t of this.timersSet.values()) fn(unitOfTimer(t.id));
    for (const t of this.timersRemoved.values()) fn(unitOfTimer(t.id));
    for (const x of this.specs.values()) fn(x.functionType);
    for (const k of this.restores.keys()) fn(k);
  }

  /** Every unit this fold changes. */
  units(): Set<string> {
    const u = new Set<string>();
    this.forEachUnit((x) => u.add(x));
    return u;
  }

  get size(): number {
    return this.restores.size + this.specs.size + this.addresses.size + this.values.size + this.appends.length + this.consumed.size + this.timersSet.size + this.timersRemoved.size;
  }

  /** One stream entry of partition `p`, in stream order. */
  add(p: number, id: string, fields: Buffer[]): void {
    this.entries++;
    const seq = seqOfId(id);
    let c = this.ctx.get(p);
    if (!c || c.seq !== seq) {
      c = { seq, kind: "", at: 0, address: "", target: "", idx: 0, savepoint: "", version: 0 };
      this.ctx.set(p, c);
    }
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const f = fields[i].toString("latin1");
      const v = fields[i + 1];
      const ord = this.ord++;
      switch (f) {
        case "k":
          c.kind = v.toString();
          break;
        case "g":
          break;
        case "at":
          c.at = Number(v.toString());
          break;
        case "a":
          c.address = v.toString("utf8");
          break;
        case "n": {
          const n = Number(v.toString());
          if (n > 0) this.consumed.set(c.address, (this.consumed.get(c.address) ?? 0) + n);
          break;
        }
        case "s":
          break;
        case "v": {
          if (c.kind === "r") {
            c.version = Number(v.toString());
            break;
          }
          const prev = this.addresses.get(c.address);
          this.addresses.set(c.address, {
            address: c.address,
            functionType: typeOf(c.address),
            version: Number(v.toString()),
            invokedAt: c.kind === "c" ? c.at : (prev?.invokedAt ?? null),
            updatedAt: c.at,
            seq,
          });
          break;
        }
        case "E":
          c.target = v.toString("utf8");
          break;
        case "e":
          this.appends.push({ ord, address: c.target, functionType: typeOf(c.target), seq, idx: c.idx++, entry: v });
          break;
        case "T":
          c.target = v.toString("utf8");
          break;
        case "td": {
          const colon = v.indexOf(0x3a);
          this.timersRemoved.delete(`${p}\0${c.target}`);
          this.timersSet.set(`${p}\0${c.target}`, { partition: p, id: c.target, senderType: typeOf(unitOfTimer(c.target)), dueAt: Number(v.subarray(0, colon).toString()), data: v.subarray(colon + 1) });
          break;
        }
        case "S":
          c.target = v.toString("utf8");
          break;
        case "sv": {
          const s = v.toString("utf8");
          const z = s.indexOf("\0");
          const key = `${c.target}\0${s.slice(0, z)}`;
          if (!this.specs.has(key)) this.specs.set(key, { functionType: c.target, name: s.slice(0, z), spec: s.slice(z + 1) });
          break;
        }
        case "RS":
          c.savepoint = v.toString("utf8");
          c.address = "";
          break;
        case "RA": {
          const address = v.toString("utf8");
          this.restores.set(address, { savepointId: c.savepoint, version: c.version, functionType: typeOf(address), at: c.at, ord, seq });
          this.consumed.delete(address);
          this.addresses.delete(address);
          break;
        }
        case "X": {
          const tid = v.toString("utf8");
          // removed after being set in this round: Postgres never saw it; a removal of an older one must run
          this.timersSet.delete(`${p}\0${tid}`);
          this.timersRemoved.set(`${p}\0${tid}`, { partition: p, id: tid });
          break;
        }
        default:
          if (f.startsWith("M:") || f.startsWith("D:")) {
            const name = Buffer.from(f.slice(2), "latin1").toString("utf8");
            this.values.set(`${c.address}\0${name}`, { address: c.address, name, ord, value: f[0] === "M" ? v : null, writtenAt: c.at });
          }
      }
    }
  }
}
