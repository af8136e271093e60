"use client";

import { Fragment, useEffect, useId, useState, type FormEvent } from "react";
import "../../styles/admin.css";
import { useSession } from "../../lib/hooks/use-session";
import { useCreateUser, useUpdateUser, useUsers } from "../../lib/hooks/use-users";
import type { Role, User } from "../../lib/types";
import { ErrorAlert } from "../error-alert";
import { Field } from "../field";
import { Skeleton, SkeletonTable } from "../skeleton";
import { Timestamp } from "../timestamp";
import { useQueryParams } from "../savepoints/use-query-params";
import { AdminOnly } from "./admin-only";
import { RoleSelect } from "./role-select";
import { useHighlightRow } from "./use-highlight";

const PASSWORD_MIN = 8;

function CreateUserForm({ onCreated }: { onCreated: (u: User) => void }) {
  const id = useId();
  const create = useCreateUser();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const tooShort = password.length > 0 && password.length < PASSWORD_MIN;

  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate(
      { username: username.trim(), password, role },
      {
        onSuccess: (u) => {
          setUsername("");
          setPassword("");
          setRole("viewer");
          onCreated(u);
        },
      },
    );
  }

  return (
    <section className="card" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Create a user</h2>
      <form onSubmit={submit} noValidate>
        <div className="form-grid">
          <Field
            label="User name"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            required
            hint="Letters, digits and . _ @ - ; unique regardless of case"
          />
          <Field
            label="Password"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="new-password"
            required
            hint={`At least ${PASSWORD_MIN} characters`}
            error={tooShort ? `${PASSWORD_MIN - password.length} more character${PASSWORD_MIN - password.length === 1 ? "" : "s"} needed` : null}
          />
          <div className="field">
            <label htmlFor={`${id}-role`}>Role</label>
            <RoleSelect id={`${id}-role`} value={role} onChange={setRole} />
          </div>
        </div>
        <ErrorAlert error={create.error} prefix="Could not create the user" />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={create.isPending || !username.trim() || password.length < PASSWORD_MIN}>
            {create.isPending ? "Creating…" : "Create user"}
          </button>
        </div>
      </form>
    </section>
  );
}

type Panel = null | "disable" | "password";

function UserRow({ user, self, highlighted, onNotice }: { user: User; self: boolean; highlighted: boolean; onNotice: (m: string) => void }) {
  const id = useId();
  const update = useUpdateUser();
  const [role, setRole] = useState<Role>(user.role);
  const [panel, setPanel] = useState<Panel>(null);
  const [password, setPassword] = useState("");
  const row = useHighlightRow(highlighted);
  useEffect(() => setRole(user.role), [user.role]);

  const change = (c: { role?: Role; disabled?: boolean; password?: string }, done: string) =>
    update.mutate(
      { id: user.id, ...c },
      {
        onSuccess: () => {
          setPanel(null);
          setPassword("");
          onNotice(done);
        },
      },
    );

  return (
    <Fragment>
      <tr {...row}>
        <th scope="row">
          {user.username}
          {self ? <span className="small muted"> (you)</span> : null}
        </th>
        <td>
          {self ? (
            <span title="You cannot change your own role">{user.role}</span>
          ) : (
            <div className="admin-role">
              <label htmlFor={`${id}-role`} className="sr-only">
                Role of {user.username}
              </label>
              <RoleSelect id={`${id}-role`} value={role} onChange={setRole} describe={false} />
              {role !== user.role ? (
                <button
                  type="button"
                  className="btn btn-small btn-primary"
                  disabled={update.isPending}
                  onClick={() => change({ role }, `${user.username} is now ${role}.`)}
                >
                  Save role<span className="sr-only"> of {user.username}</span>
                </button>
              ) : null}
            </div>
          )}
        </td>
        <td>
          {user.disabled ? (
            <span className="badge badge-paused">
              <span className="dot dot-warn" aria-hidden="true" />
              Disabled
            </span>
          ) : (
            <span className="badge badge-running">
              <span className="dot dot-ok" aria-hidden="true" />
              Active
            </span>
          )}
        </td>
        <td className="nowrap">
          <Timestamp at={user.createdAt} relative={false} />
        </td>
        <td className="nowrap">
          <Timestamp at={user.lastLoginAt} empty="never" />
        </td>
        <td className="actions">
          <div className="admin-actions">
            <button type="button" className="btn btn-small" aria-expanded={panel === "password"} onClick={() => setPanel(panel === "password" ? null : "password")}>
              Set password…<span className="sr-only"> for {user.username}</span>
            </button>
            {self ? null : user.disabled ? (
              <button type="button" className="btn btn-small" disabled={update.isPending} onClick={() => change({ disabled: false }, `${user.username} can sign in again.`)}>
                Enable<span className="sr-only"> {user.username}</span>
              </button>
            ) : (
              <button type="button" className="btn btn-small" aria-expanded={panel === "disable"} onClick={() => setPanel(panel === "disable" ? null : "disable")}>
                Disable…<span className="sr-only"> {user.username}</span>
              </button>
            )}
          </div>
        </td>
      </tr>
      {panel || update.error ? (
        <tr className="admin-detail">
          <td colSpan={6}>
            {panel === "disable" ? (
              <div className="stack">
                <p>
                  Disable <strong>{user.username}</strong>? Their sessions end at once and they cannot sign in until enabled again.
                  Nothing they did is undone.
                </p>
                <div className="form-actions">
                  <button type="button" className="btn btn-danger" disabled={update.isPending} onClick={() => change({ disabled: true }, `${user.username} is disabled.`)}>
                    {update.isPending ? "Disabling…" : `Disable ${user.username}`}
                  </button>
                  <button type="button" className="btn" onClick={() => setPanel(null)}>
                    Cancel
                  </button>
                </div>
              </div>
            ) : panel === "password" ? (
              <form
                className="admin-password"
                noValidate
                onSubmit={(e) => {
                  e.preventDefault();
                  if (password.length >= PASSWORD_MIN) change({ password }, `New password set for ${user.username}; their sessions ended.`);
                }}
              >
                <Field
                  label={`New password for ${user.username}`}
                  type="password"
                  autoComplete="new-password"
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                  hint={`At least ${PASSWORD_MIN} characters; their sessions end`}
                />
                <div className="form-actions">
                  <button type="submit" className="btn btn-primary" disabled={update.isPending || password.length < PASSWORD_MIN}>
                    {update.isPending ? "Saving…" : "Set password"}
                  </button>
                  <button type="button" className="btn" onClick={() => setPanel(null)}>
                    Cancel
                  </button>
                </div>
              </form>
            ) : null}
            <ErrorAlert error={update.error} prefix={`Could not change ${user.username}`} />
          </td>
        </tr>
      ) : null}
    </Fragment>
  );
}

export function UsersView() {
  return (
    <AdminOnly title="Users">
      <UsersAdmin />
    </AdminOnly>
  );
}

function UsersAdmin() {
  const q = useQueryParams();
  const me = useSession().data?.user;
  const users = useUsers();
  const [notice, setNotice] = useState<string | null>(null);
  const wanted = q.get("user")?.toLowerCase() ?? null;
  const isSelf = (u: User) => me?.kind === "user" && me.name.toLowerCase() === u.username.toLowerCase();

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Users</h1>
          <p className="subtitle">Who can sign in to the console, and with which role. Scripts and automation use API tokens instead.</p>
        </div>
      </div>
      <CreateUserForm onCreated={(u) => setNotice(`Created ${u.username} (${u.role}).`)} />
      <section className="card" aria-labelledby="users-heading">
        <div className="card-header">
          <h2 id="users-heading">All users</h2>
          <span className="small muted">{users.data ? `${users.data.length} in all` : ""}</span>
        </div>
        {notice ? (
          <div className="alert alert-success" role="status">
            {notice}
          </div>
        ) : null}
        <ErrorAlert error={users.error} prefix="Could not load the users" />
        {users.isPending ? (
          <Skeleton label="users">
            <SkeletonTable rows={3} columns={6} />
          </Skeleton>
        ) : users.data?.length ? (
          <div className="table-wrap">
            <table className="data">
              <caption className="sr-only">Console users</caption>
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last sign-in</th>
                  <th scope="col" className="actions">
                    Actions
                  </th>
                </tr>
              </thead>
              <tbody>
                {users.data.map((u) => (
                  <UserRow key={u.id} user={u} self={isSelf(u)} highlighted={wanted === u.username.toLowerCase()} onNotice={setNotice} />
                ))}
              </tbody>
            </table>
          </div>
        ) : users.data ? (
          <p className="empty">No users.</p>
        ) : null}
      </section>
    </>
  );
}
