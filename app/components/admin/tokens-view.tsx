"use client";

import { Fragment, useEffect, useId, useRef, useState, type FormEvent } from "react";
import "../../styles/admin.css";
import { formatDate, formatRelative } from "../../lib/format";
import { useCreateToken, useRevokeToken, useTokens } from "../../lib/hooks/use-tokens";
import type { ApiToken, CreatedApiToken, Role } from "../../lib/types";
import { ErrorAlert } from "../error-alert";
import { Field } from "../field";
import { Skeleton, SkeletonTable } from "../skeleton";
import { Timestamp } from "../timestamp";
import { TypedConfirm } from "../savepoints/typed-confirm";
import { useQueryParams } from "../savepoints/use-query-params";
import { AdminOnly } from "./admin-only";
import { RoleSelect } from "./role-select";
import { useHighlightRow } from "./use-highlight";

/** The secret, once: selected on focus, with a copy button and a warning that it cannot be shown again. */
function SecretOnce({ token, onDone }: { token: CreatedApiToken; onDone: () => void }) {
  const id = useId();
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  async function copy() {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied("yes");
    } catch {
      input.current?.select();
      setCopied("no");
    }
  }

  return (
    <div className="admin-secret" role="region" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>
        Token “{token.name}” ({token.role}) created
      </h3>
      <p className="admin-secret-warning">
        <strong>Copy it now: this is the only time it is shown.</strong> Statehouse keeps only a hash of it; if it is lost,
        revoke it and create another.
      </p>
      <div className="admin-secret-row">
        <label htmlFor={`${id}-secret`} className="sr-only">
          The new token’s secret
        </label>
        <input id={`${id}-secret`} ref={input} readOnly value={token.token} className="mono" onFocus={(e) => e.target.select()} spellCheck={false} />
        <button type="button" className="btn btn-primary" onClick={() => void copy()}>
          Copy token
        </button>
      </div>
      <p className="small" role="status">
        {copied === "yes" ? "Copied to the clipboard." : copied === "no" ? "The clipboard is not available here: the token is selected, copy it with Ctrl+C / ⌘C." : ""}
      </p>
      <p className="small muted">
        Use it as <code>Authorization: Bearer {token.prefix}…</code>
      </p>
      <button type="button" className="btn" onClick={onDone}>
        I have stored it
      </button>
    </div>
  );
}

function CreateTokenForm() {
  const id = useId();
  const create = useCreateToken();
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("viewer");

  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate({ name: name.trim(), role }, { onSuccess: () => setName("") });
  }

  return (
    <section className="card" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Create an API token</h2>
      {create.data ? (
        <SecretOnce token={create.data} onDone={() => create.reset()} />
      ) : (
        <form onSubmit={submit} noValidate>
          <div className="form-grid">
            <Field label="Name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" hint="What uses it, e.g. ci-deploy or grafana" required />
            <div className="field">
              <label htmlFor={`${id}-role`}>Role</label>
              <RoleSelect id={`${id}-role`} value={role} onChange={setRole} />
            </div>
          </div>
          <ErrorAlert error={create.error} prefix="Could not create the token" />
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={create.isPending || !name.trim()}>
              {create.isPending ? "Creating…" : "Create token"}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

function TokenRow({ token, highlighted }: { token: ApiToken; highlighted: boolean }) {
  const revoke = useRevokeToken();
  const [confirm, setConfirm] = useState(false);
  const panelId = useId();
  const row = useHighlightRow(highlighted);
  const revoked = token.revokedAt !== null;

  return (
    <Fragment>
      <tr {...row}>
        <th scope="row">{token.name}</th>
        <td className="mono nowrap">{token.prefix}…</td>
        <td>{token.role}</td>
        <td>
          {revoked ? (
            <span className="badge badge-neutral" title={formatDate(token.revokedAt!, true)}>
              Revoked {formatRelative(token.revokedAt!)}
            </span>
          ) : (
            <span className="badge badge-running">
              <span className="dot dot-ok" aria-hidden="true" />
              Active
            </span>
          )}
        </td>
        <td className="nowrap">
          <Timestamp at={token.createdAt} relative={false} />
        </td>
        <td className="nowrap">
          <Timestamp at={token.lastUsedAt} empty="never" />
        </td>
        <td className="actions">
          {revoked ? (
            <span className="muted small">—</span>
          ) : (
            <button type="button" className="btn btn-small" aria-expanded={confirm} aria-controls={panelId} onClick={() => setConfirm((c) => !c)}>
              Revoke…<span className="sr-only"> {token.name}</span>
            </button>
          )}
        </td>
      </tr>
      {confirm && !revoked ? (
        <tr id={panelId} className="admin-detail">
          <td colSpan={7}>
            <TypedConfirm
              expected={token.name}
              action="Revoke token"
              pendingText="Revoking…"
              pending={revoke.isPending}
              error={revoke.error}
              errorPrefix={`Could not revoke ${token.name}`}
              onConfirm={() => revoke.mutate(token.id, { onSuccess: () => setConfirm(false) })}
              onCancel={() => setConfirm(false)}
            >
              <p>
                Revoking <strong>{token.name}</strong> ({token.role}, <span className="mono">{token.prefix}…</span>) refuses every
                request that carries it from now on. It cannot be undone: whatever uses it needs a new token.
              </p>
            </TypedConfirm>
          </td>
        </tr>
      ) : null}
    </Fragment>
  );
}

export function TokensView() {
  return (
    <AdminOnly title="API tokens">
      <TokensAdmin />
    </AdminOnly>
  );
}

function TokensAdmin() {
  const q = useQueryParams();
  const tokens = useTokens();
  const wanted = q.get("token");
  const active = tokens.data?.filter((t) => !t.revokedAt).length ?? 0;

  return (
    <>
      <div className="page-header">
        <div>
          <h1>API tokens</h1>
          <p className="subtitle">
            Bearer tokens for scripts, CI and metrics scrapers, each with a role. Only a hash is stored: the secret is shown once, when
            the token is created.
          </p>
        </div>
      </div>
      <CreateTokenForm />
      <section className="card" aria-labelledby="tokens-heading">
        <div className="card-header">
          <h2 id="tokens-heading">All tokens</h2>
          <span className="small muted">{tokens.data ? `${active} active · ${tokens.data.length - active} revoked` : ""}</span>
        </div>
        <ErrorAlert error={tokens.error} prefix="Could not load the tokens" />
        {tokens.isPending ? (
          <Skeleton label="API tokens">
            <SkeletonTable rows={3} columns={7} />
          </Skeleton>
        ) : tokens.data?.length ? (
          <div className="table-wrap">
            <table className="data">
              <caption className="sr-only">API tokens, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Prefix</th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col" className="actions">
                    Actions
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.data.map((t) => (
                  <TokenRow key={t.id} token={t} highlighted={wanted === t.name} />
                ))}
              </tbody>
            </table>
          </div>
        ) : tokens.data ? (
          <p className="empty">No API tokens yet.</p>
        ) : null}
      </section>
    </>
  );
}
