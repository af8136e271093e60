import { Queue } from "bullmq";
import type { Ctx } from "../context";
import type { Principal } from "../contracts/auth";

/** Control actions (savepoints, rollbacks) are BullMQ jobs in this queue, run by the workers' control role. */
export const CONTROL_QUEUE = "control";

export type ControlJob =
  | { kind: "savepoint"; savepointId: string }
  | { kind: "rollback"; targetId: string; preRollbackId: string; actor: Principal };

export const savepointJobId = (id: string) => `savepoint-${id}`;
export const rollbackJobId = (targetId: string, preRollbackId: string) => `rollback-${targetId}-${preRollbackId}`;

const queues = new WeakMap<Ctx, Queue<ControlJob>>();

/** The producer side (web process, tests): one Queue per context. */
export function controlQueue(ctx: Ctx): Queue<ControlJob> {
  let q = queues.get(ctx);
  if (!q) {
    q = new Queue<ControlJob>(CONTROL_QUEUE, { connection: { url: ctx.env.REDIS_URL, maxRetriesPerRequest: 1 }, prefix: ctx.keys.bullPrefix });
    queues.set(ctx, q);
  }
  return q;
}

export async function closeControlQueue(ctx: Ctx): Promise<void> {
  await queues.get(ctx)?.close();
  queues.delete(ctx);
}
