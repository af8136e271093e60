"use client";

import { useQueries } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { apiJson, appPath } from "../api";
import type { ApplicationDetail, EgressPage, EgressRecord } from "../types";
import { useApplicationPage } from "./use-applications";
import { keys } from "./keys";

/** One egress an application declares: what the tail reads (`?application=` disambiguates a shared egress id). */
export interface EgressSource {
  application: string;
  id: string;
  kind: string;
  /** Topics the module declares (playground egress); others are free text. */
  topics: string[];
}

/** The tail polls this often while the tab is visible (the issue asks for 2 s at most). */
export const TAIL_POLL_MS = 1500;
/** Records kept on screen, newest first; older ones fall off the bottom. */
export const TAIL_KEEP = 500;
const OPEN_LIMIT = 100;
const POLL_LIMIT = 500;
/** The application listing asked for sources: one page (the API's largest). */
const APPS_LIMIT = 200;

const declaredTopics = (spec: Record<string, unknown>): string[] =>
  Array.isArray(spec.topics) ? spec.topics.filter((t): t is string => typeof t === "string") : [];

/** Every declared egress, from the applications' details (cached under the same keys as the application page). */
export function useEgressSources() {
  const apps = useApplicationPage(null, APPS_LIMIT);
  const names = apps.data?.applications.map((a) => a.name) ?? [];
  const details = useQueries({
    queries: names.map((app) => ({
      queryKey: keys.application(app),
      queryFn: ({ signal }: { signal: AbortSignal }) => apiJson<ApplicationDetail>(appPath(app), { signal }),
      staleTime: 30_000,
    })),
  });
  const sources: EgressSource[] = [];
  for (const d of details)
    for (const e of d.data?.egresses ?? []) sources.push({ application: d.data!.name, id: e.id, kind: e.kind, topics: declaredTopics(e.spec) });
  sources.sort((a, b) => a.id.localeCompare(b.id) || a.application.localeCompare(b.application));
  return {
    sources,
    isPending: apps.isPending || details.some((d) => d.isPending),
    error: apps.error ?? details.find((d) => d.error)?.error ?? null,
    truncated: Boolean(apps.data?.next),
  };
}

export interface TailState {
  /** Newest first. */
  records: EgressRecord[];
  /** The first read has answered. */
  opened: boolean;
  error: unknown;
  /** When the last poll answered (ms). */
  polledAt: number | null;
}

/**
 * A live tail: opens with the newest records (`from=end`), then polls `after=<tail>` every TAIL_POLL_MS while
 * the tab is visible and the tail is not paused, catching up at once when a poll says more are waiting. Pausing
 * keeps what is shown; resuming goes on from where it stopped, so nothing in between is missed.
 * Remount (a React `key`) for another egress or topic.
 */
export function useEgressTail(source: EgressSource, topic: string | null, paused: boolean): TailState {
  const [state, setState] = useState<TailState>({ records: [], opened: false, error: null, polledAt: null });
  const tail = useRef<string | null>(null);
  const opened = useRef(false);

  useEffect(() => {
    if (paused) return;
    const ac = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let busy = false;
    const [namespace, name] = source.id.split("/");
    const path = `/api/v1/egress/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;

    const schedule = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(tick, ms);
    };
    async function tick() {
      if (document.hidden || busy) return; // visibilitychange starts it again; a running read schedules the next
      busy = true;
      const from = opened.current && tail.current ? { after: tail.current, limit: POLL_LIMIT } : { from: "end", limit: OPEN_LIMIT };
      try {
        const page = await apiJson<EgressPage>(path, { signal: ac.signal, query: { application: source.application, topic, ...from } });
        opened.current = true;
        tail.current = page.tail ?? tail.current;
        const fresh = [...page.records].reverse();
        setState((s) => ({
          records: fresh.length ? [...fresh, ...s.records].slice(0, TAIL_KEEP) : s.records,
          opened: true,
          error: null,
          polledAt: Date.now(),
        }));
        busy = false;
        schedule(page.next ? 0 : TAIL_POLL_MS);
      } catch (e) {
        busy = false;
        if (ac.signal.aborted) return;
        setState((s) => ({ ...s, opened: true, error: e }));
        schedule(TAIL_POLL_MS * 2);
      }
    }
    const onVisibility = () => {
      if (!document.hidden) schedule(0);
    };
    document.addEventListener("visibilitychange", onVisibility);
    schedule(0);
    return () => {
      ac.abort();
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [source.application, source.id, topic, paused]);

  return state;
}
