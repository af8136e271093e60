import { setTimeout as sleep } from "node:timers/promises";

/**
 * For commands that run until Ctrl-C (egress tail -f, top): the signal aborts the wait or request under way, and
 * the command ends normally (exit 0) instead of being killed mid-line.
 */
export function untilInterrupted(): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return {
    signal: ac.signal,
    dispose: () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    },
  };
}

/** Waits `ms`; false when interrupted meanwhile. */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** Runs `step` until it returns false or the signal fires; an abort raised by the interrupted request ends the loop quietly. */
export async function loop(signal: AbortSignal, step: () => Promise<boolean>): Promise<void> {
  try {
    while (!signal.aborted && (await step()));
  } catch (e) {
    if (!signal.aborted) throw e;
  }
}
