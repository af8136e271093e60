import type { ReactNode } from "react";
import { formatExpiry } from "../../lib/format";
import type { DeclaredState } from "../../lib/types";

/** The state one function type declares: name, typename and expiry, as the SDK's ValueSpecs said. */
export function DeclaredStateTable({ functionType, state, note }: { functionType: string; state: DeclaredState[]; note?: ReactNode }) {
  return (
    <table className="nested declared">
      <caption>
        {functionType}
        {note ? <span className="type-source"> · {note}</span> : null}
      </caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Type</th>
          <th scope="col">Expiry</th>
        </tr>
      </thead>
      <tbody>
        {state.length === 0 ? (
          <tr>
            <td colSpan={3} className="muted">
              No state declared
            </td>
          </tr>
        ) : (
          state.map((s) => (
            <tr key={s.name}>
              <th scope="row" className="mono">
                {s.name}
              </th>
              <td className="mono">{s.typename}</td>
              <td>{formatExpiry(s)}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}
