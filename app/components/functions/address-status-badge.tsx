import type { AddressStatus } from "../../lib/hooks/use-functions";

/** Each status in words (never by colour alone), with what it means for the address's messages. */
export const STATUS_TEXT: Record<AddressStatus, { label: string; dot: string; meaning: string }> = {
  idle: { label: "Idle", dot: "", meaning: "Nothing queued: its messages have all been applied." },
  scheduled: { label: "Scheduled", dot: "fn-dot-accent", meaning: "Messages are queued and the address is on its partition's ready list: a worker will call the function soon." },
  "in-flight": { label: "In flight", dot: "dot-ok", meaning: "A worker holds the address: a call to its function is running now." },
  waiting: {
    label: "Waiting for endpoint share",
    dot: "dot-warn",
    meaning: "Ready, but its endpoint's share of call slots is taken: it is called as soon as one of that endpoint's calls ends.",
  },
  parked: { label: "Parked", dot: "dot-bad", meaning: "Its function kept failing: its messages wait until an operator resumes it or skips the head message." },
  held: { label: "Held", dot: "dot-warn", meaning: "Its application is paused: messages keep queueing and are called once it resumes." },
};

export function AddressStatusBadge({ status }: { status: AddressStatus }) {
  const s = STATUS_TEXT[status];
  return (
    <span className={`badge fn-status fn-status-${status}`} title={s.meaning}>
      <span className={`dot ${s.dot}`} aria-hidden="true" />
      {s.label}
    </span>
  );
}
