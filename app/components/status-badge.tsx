export function StatusBadge({ paused }: { paused: boolean }) {
  return paused ? (
    <span className="badge badge-paused">
      <span className="dot dot-warn" aria-hidden="true" />
      Paused
    </span>
  ) : (
    <span className="badge badge-running">
      <span className="dot dot-ok" aria-hidden="true" />
      Running
    </span>
  );
}
