"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { ApiError, apiJson, appPath, csrfHeaders, parseApiError } from "../api";
import type { ControlJob, RollbackResult, Savepoint, SavepointDiff } from "../types";
import { keys } from "./keys";

/** Live views (a savepoint being taken, a rollback's phases) poll at this pace, and only while the tab is visible. */
const LIVE_MS = 1000;
/** The history also picks up savepoints others take, at a gentler pace. */
const IDLE_MS = 15_000;
export const DIFF_PAGE_SIZE = 50;

export const isRunning = (s: Pick<Savepoint, "status">) => s.status === "pending" || s.status === "running";
export const savepointPath = (id: string) => `/api/v1/savepoints/${encodeURIComponent(id)}`;
/** A plain GET: an anchor with `download` fetches it with the session cookie. */
export const exportUrl = (id: string) => `${savepointPath(id)}/export`;

export function useSavepoints(app: string | null) {
  return useQuery({
    queryKey: keys.savepoints(app ?? ""),
    enabled: app !== null,
    queryFn: ({ signal }) => apiJson<{ savepoints: Savepoint[] }>(`${appPath(app!)}/savepoints`, { signal }),
    select: (d) => d.savepoints,
    refetchInterval: (q) => (q.state.data?.savepoints.some(isRunning) ? LIVE_MS : IDLE_MS),
    refetchIntervalInBackground: false,
  });
}

export function useSavepoint(id: string) {
  return useQuery({
    queryKey: keys.savepoint(id),
    queryFn: ({ signal }) => apiJson<Savepoint>(savepointPath(id), { signal }),
    refetchInterval: (q) => (q.state.data && isRunning(q.state.data) ? LIVE_MS : false),
    refetchIntervalInBackground: false,
  });
}

export function useTakeSavepoint(app: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (label: string) =>
      apiJson<{ id: string; status: Savepoint["status"] }>(`${appPath(app)}/savepoints`, { method: "POST", body: label ? { label } : {} }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.savepoints(app) }),
  });
}

/** Only asked for when the user has picked what to compare with (a diff against live reads the whole application). */
export function useSavepointDiff(id: string, against: string | null, cursor: string | null) {
  return useQuery({
    queryKey: keys.savepointDiff(id, against ?? "", cursor),
    queryFn: ({ signal }) =>
      apiJson<SavepointDiff>(`${savepointPath(id)}/diff`, { signal, query: { against, cursor, limit: DIFF_PAGE_SIZE } }),
    enabled: against !== null,
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
}

export function useRollback(app: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (savepointId: string) => apiJson<RollbackResult>(`${savepointPath(savepointId)}/rollback`, { method: "POST" }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: keys.savepoints(app) });
      void qc.invalidateQueries({ queryKey: keys.application(app), exact: true });
    },
  });
}

export const isJobDone = (j: ControlJob | undefined) => j?.state === "completed" || j?.state === "failed";

export function useJob(jobId: string | null) {
  return useQuery({
    queryKey: keys.job(jobId ?? ""),
    queryFn: ({ signal }) => apiJson<ControlJob>(`/api/v1/jobs/${encodeURIComponent(jobId!)}`, { signal }),
    enabled: jobId !== null,
    refetchInterval: (q) => (isJobDone(q.state.data) || q.state.status === "error" ? false : LIVE_MS),
    refetchIntervalInBackground: false,
  });
}

/** A rollback job's id names its target and its automatic pre-rollback savepoint (control-queue.ts). */
const ROLLBACK_JOB = /^rollback-([0-9a-f-]{36})-([0-9a-f-]{36})$/;
export function parseRollbackJob(jobId: string): { targetId: string; preRollbackId: string } | null {
  const m = ROLLBACK_JOB.exec(jobId);
  return m ? { targetId: m[1], preRollbackId: m[2] } : null;
}

export interface UploadProgress {
  loaded: number;
  total: number;
}

/**
 * Uploads an exported NDJSON file as a new savepoint. XMLHttpRequest, not fetch: only XHR reports upload progress
 * (a streamed fetch body needs HTTP/2 and half-duplex support the browser may lack).
 */
export function useImportSavepoint(app: string) {
  const qc = useQueryClient();
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const xhrRef = useRef<XMLHttpRequest | null>(null);
  const mutation = useMutation({
    mutationFn: (file: File) =>
      new Promise<Savepoint>((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhrRef.current = xhr;
        xhr.open("POST", `${appPath(app)}/savepoints/import`);
        xhr.withCredentials = true;
        xhr.setRequestHeader("Content-Type", "application/x-ndjson");
        xhr.setRequestHeader("Accept", "application/json");
        for (const [k, v] of Object.entries(csrfHeaders())) xhr.setRequestHeader(k, v);
        setProgress({ loaded: 0, total: file.size });
        xhr.upload.onprogress = (e) => setProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
        xhr.onload = () => {
          if (xhr.status >= 200 && xhr.status < 300) {
            try {
              resolve(JSON.parse(xhr.responseText) as Savepoint);
            } catch {
              reject(new ApiError(xhr.status, "bad-response", "The server's answer was not JSON."));
            }
          } else reject(parseApiError(xhr.status, xhr.statusText, xhr.responseText));
        };
        xhr.onerror = () => reject(new ApiError(0, "network-error", "The upload failed: the server could not be reached or closed the connection."));
        xhr.onabort = () => reject(new ApiError(0, "aborted", "The upload was cancelled."));
        xhr.send(file);
      }),
    onSettled: () => {
      xhrRef.current = null;
      void qc.invalidateQueries({ queryKey: keys.savepoints(app) });
    },
  });
  return { ...mutation, progress, cancel: () => xhrRef.current?.abort() };
}
