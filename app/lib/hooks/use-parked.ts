"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useRef, useState } from "react";
import { ApiError, apiJson, errorMessage } from "../api";
import type { ParkedAddress, ParkedPage, UnparkResult } from "../types";
import { keys } from "./keys";

export interface ParkedFilter {
  functionType: string | null;
  error: string | null;
}

export const PARKED_PAGE_SIZE = 50;
/** Parked addresses change when someone resumes them or a function fails: refresh gently, only while visible. */
const REFRESH_MS = 5000;
/** Resume-all resumes at most this many addresses per run (the preview says so when more match). */
export const BULK_MAX = 1000;
/** Pages of 500 read while counting: with the server's scan bound this caps one preview at 100 round trips. */
const BULK_PAGES_MAX = 100;
const BULK_CONCURRENCY = 4;

const parkedPath = (p: Pick<ParkedAddress, "functionType" | "id">, mode: "resume" | "skip") => {
  const [namespace, type] = p.functionType.split("/");
  return `/api/v1/parked/${encodeURIComponent(namespace)}/${encodeURIComponent(type)}/${encodeURIComponent(p.id)}/${mode}`;
};

export function useParkedPage(filter: ParkedFilter, cursor: string | null) {
  return useQuery({
    queryKey: keys.parkedPage(filter, cursor),
    queryFn: ({ signal }) =>
      apiJson<ParkedPage>("/api/v1/parked", { signal, query: { ...filter, cursor, limit: PARKED_PAGE_SIZE } }),
    placeholderData: keepPreviousData,
    refetchInterval: REFRESH_MS,
    refetchIntervalInBackground: false,
  });
}

export function useUnpark() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ row, mode }: { row: ParkedAddress; mode: "resume" | "skip" }) =>
      apiJson<UnparkResult>(parkedPath(row, mode), { method: "POST" }),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: keys.parked });
      void qc.invalidateQueries({ queryKey: keys.functions });
      void qc.invalidateQueries({ queryKey: keys.audit });
    },
  });
}

export type BulkState =
  | { phase: "idle" }
  | { phase: "counting"; found: number }
  | { phase: "ready"; targets: ParkedAddress[]; more: boolean }
  | { phase: "running" | "done" | "stopped"; targets: ParkedAddress[]; more: boolean; done: number; resumed: number; gone: number; failed: Array<{ address: string; message: string }> }
  | { phase: "error"; message: string };

/**
 * Resume every parked address matching a filter, in the browser: count first (the preview), then resume exactly
 * the addresses counted, a few at a time, with progress. Bounded by BULK_MAX per run; each resume is the same
 * audited POST a row's Resume button sends, so the server checks the role of every one.
 */
export function useResumeAll(filter: ParkedFilter) {
  const qc = useQueryClient();
  const [state, setState] = useState<BulkState>({ phase: "idle" });
  const stop = useRef(false);

  const count = useCallback(async () => {
    stop.current = false;
    setState({ phase: "counting", found: 0 });
    const targets: ParkedAddress[] = [];
    let cursor: string | null = null;
    try {
      for (let pages = 0; pages < BULK_PAGES_MAX && targets.length <= BULK_MAX && !stop.current; pages++) {
        const page: ParkedPage = await apiJson<ParkedPage>("/api/v1/parked", { query: { ...filter, cursor, limit: 500 } });
        targets.push(...page.parked);
        setState({ phase: "counting", found: targets.length });
        cursor = page.next;
        if (!cursor) break;
      }
    } catch (e) {
      setState({ phase: "error", message: errorMessage(e) });
      return;
    }
    if (stop.current) return setState({ phase: "idle" });
    setState({ phase: "ready", targets: targets.slice(0, BULK_MAX), more: targets.length > BULK_MAX || cursor !== null });
  }, [filter]);

  const run = useCallback(
    async (targets: ParkedAddress[], more: boolean) => {
      stop.current = false;
      const progress = { done: 0, resumed: 0, gone: 0, failed: [] as Array<{ address: string; message: string }> };
      const publish = (phase: "running" | "done" | "stopped") => setState({ phase, targets, more, ...progress, failed: [...progress.failed] });
      publish("running");
      let next = 0;
      const workerLoop = async () => {
        while (next < targets.length && !stop.current) {
          const row = targets[next++];
          try {
            await apiJson<UnparkResult>(parkedPath(row, "resume"), { method: "POST" });
            progress.resumed++;
          } catch (e) {
            // Resumed by someone else meanwhile (409), or gone (404): nothing left to do for it.
            if (e instanceof ApiError && (e.code === "not-parked" || e.status === 404)) progress.gone++;
            else progress.failed.push({ address: row.address, message: errorMessage(e) });
          }
          progress.done++;
          publish("running");
        }
      };
      await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, targets.length) }, workerLoop));
      publish(stop.current ? "stopped" : "done");
      void qc.invalidateQueries({ queryKey: keys.parked });
      void qc.invalidateQueries({ queryKey: keys.functions });
      void qc.invalidateQueries({ queryKey: keys.audit });
    },
    [qc],
  );

  const cancel = useCallback(() => {
    stop.current = true;
  }, []);
  const reset = useCallback(() => {
    stop.current = true;
    setState({ phase: "idle" });
  }, []);

  return { state, count, run, cancel, reset };
}
