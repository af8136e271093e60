"use client";

import type { Role } from "../../lib/types";

export const ROLES: ReadonlyArray<{ role: Role; what: string }> = [
  { role: "viewer", what: "reads everything, changes nothing" },
  { role: "operator", what: "+ sends messages, patches state, savepoints, pause, parked" },
  { role: "admin", what: "+ registry, rollback, users and tokens" },
];

/** A role picker; the option text says what each role may do. */
export function RoleSelect({ id, value, onChange, describe = true }: { id: string; value: Role; onChange: (r: Role) => void; describe?: boolean }) {
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value as Role)}>
      {ROLES.map((r) => (
        <option key={r.role} value={r.role}>
          {describe ? `${r.role} — ${r.what}` : r.role}
        </option>
      ))}
    </select>
  );
}
