import { formatFlinkDuration } from "@/server/contracts/duration";
import type { DeclaredState } from "./types";

/** Milliseconds as a short duration with its unit: "2 min", "20 s", "500 ms". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  return formatFlinkDuration(Math.round(ms));
}

/** "12 ms", "1.2 s" for measured latencies (not round-trippable, just readable). */
export function formatLatency(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function formatExpiry(s: Pick<DeclaredState, "expireMode" | "expireAfterMillis">): string {
  if (s.expireMode === "NONE" || s.expireAfterMillis <= 0) return "never";
  const after = formatDuration(s.expireAfterMillis);
  return s.expireMode === "AFTER_WRITE" ? `${after} after write` : `${after} after last access`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateTimeSeconds = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export function formatDate(iso: string, withSeconds = false): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return (withSeconds ? dateTimeSeconds : dateTime).format(d);
}

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
export function formatRelative(iso: string, now = Date.now()): string {
  const diff = (new Date(iso).getTime() - now) / 1000;
  const abs = Math.abs(diff);
  if (abs < 45) return rtf.format(Math.round(diff), "second");
  if (abs < 2700) return rtf.format(Math.round(diff / 60), "minute");
  if (abs < 79_200) return rtf.format(Math.round(diff / 3600), "hour");
  return rtf.format(Math.round(diff / 86_400), "day");
}

export const plural = (n: number, one: string, many = one + "s") => `${n} ${n === 1 ? one : many}`;

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];
/** Bytes with a binary unit: "512 B", "1.5 KiB", "12 MiB". */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < BYTE_UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(Math.abs(v) < 10 ? 1 : 0)} ${BYTE_UNITS[u]}`;
}

/** A count with the locale's digit grouping. */
export const formatCount = (n: number) => n.toLocaleString();
