import type { ModuleDiff } from "../../lib/types";

type Entry = Record<string, unknown>;
type Change = ModuleDiff["endpoints"];

/** Endpoints are keyed by `functions`, ingresses and egresses by `id` (the server's diff keys). */
function label(e: Entry): string {
  const key = typeof e.functions === "string" ? e.functions : typeof e.id === "string" ? e.id : JSON.stringify(e);
  return typeof e.kind === "string" ? `${key} (${e.kind})` : key;
}

function Section({ title, change }: { title: string; change: Change }) {
  const total = change.added.length + change.removed.length + change.changed.length;
  return (
    <div className="diff-section">
      <h4 style={{ margin: 0 }}>
        {title}:{" "}
        <span className="muted small">
          {change.added.length} added, {change.removed.length} removed, {change.changed.length} changed, {change.unchanged} unchanged
        </span>
      </h4>
      {total ? (
        <ul className="diff-list">
          {change.added.map((e) => (
            <li key={"a" + label(e)} className="diff-added">
              <span aria-hidden="true">+ </span>
              <span className="sr-only">added: </span>
              {label(e)}
            </li>
          ))}
          {change.removed.map((e) => (
            <li key={"r" + label(e)} className="diff-removed">
              <span aria-hidden="true">− </span>
              <span className="sr-only">removed: </span>
              {label(e)}
            </li>
          ))}
          {change.changed.map((c) => (
            <li key={"c" + label(c.after)} className="diff-changed">
              <details>
                <summary>
                  <span aria-hidden="true">~ </span>
                  <span className="sr-only">changed: </span>
                  {label(c.after)}
                </summary>
                <div className="json-pair" style={{ marginTop: 6 }}>
                  <div>
                    <div className="small muted">Before</div>
                    <pre className="json">{JSON.stringify(c.before, null, 2)}</pre>
                  </div>
                  <div>
                    <div className="small muted">After</div>
                    <pre className="json">{JSON.stringify(c.after, null, 2)}</pre>
                  </div>
                </div>
              </details>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function ModuleDiffView({ diff }: { diff: ModuleDiff }) {
  const nothing = (["endpoints", "ingresses", "egresses"] as const).every(
    (k) => diff[k].added.length + diff[k].removed.length + diff[k].changed.length === 0,
  );
  return (
    <div className={diff.applied ? "alert alert-success" : "alert alert-info"}>
      <p style={{ marginBottom: 8 }}>
        <strong>{diff.applied ? "Applied." : nothing ? "No changes." : "Preview: applying this module would make these changes."}</strong>
      </p>
      <Section title="Endpoints" change={diff.endpoints} />
      <Section title="Ingresses" change={diff.ingresses} />
      <Section title="Egresses" change={diff.egresses} />
    </div>
  );
}
