import { formatDate, formatRelative } from "../lib/format";

/**
 * A moment as a <time> element: relative ("3 minutes ago") or the date, with the full date and time on hover;
 * `empty` when there is none (a token never used, a user who never signed in).
 */
export function Timestamp({ at, relative = true, empty = "—" }: { at: string | null; relative?: boolean; empty?: string }) {
  if (!at) return <span className="muted">{empty}</span>;
  return (
    <time dateTime={at} title={formatDate(at, true)}>
      {relative ? formatRelative(at) : formatDate(at)}
    </time>
  );
}
