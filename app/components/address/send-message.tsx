"use client";

import { useEffect, useId, useMemo, useState } from "react";
import { isPrimitive, messageBody, PRIMITIVE, type BodyFormat } from "../../lib/address-values";
import { useSendMessage, type AddressRef, type AddressState, type AddressTimers } from "../../lib/hooks/use-address";
import { ErrorAlert } from "../error-alert";
import { CodeEditor } from "./lazy";

const FORMAT_LABEL: Record<BodyFormat, string> = { json: "JSON", text: "Text", base64: "Base64 bytes", primitive: "Primitive value" };

/** Typenames sent from this browser, per function type: the first thing a user reaches for on a fresh address. */
const recentKey = (a: AddressRef) => `statehouse.sent-types.${a.namespace}/${a.type}`;
function readRecent(a: AddressRef): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(recentKey(a)) ?? "[]") as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string").slice(0, 10) : [];
  } catch {
    return [];
  }
}
function rememberSent(a: AddressRef, typename: string) {
  try {
    localStorage.setItem(recentKey(a), JSON.stringify([typename, ...readRecent(a).filter((t) => t !== typename)].slice(0, 10)));
  } catch {}
}

interface Seen {
  typename: string;
  where: string;
  /** A message type seen here (not only a state's type): picked for the user until they type one. */
  message: boolean;
}

/** Types this address has seen: queued for it, sent from here before, delayed messages it sends itself, its state's types. */
function typesSeen(a: AddressRef, state: AddressState | undefined, timers: AddressTimers | undefined, recent: string[]): Seen[] {
  const out = new Map<string, Seen>();
  const add = (typename: string, where: string, message = true) => {
    if (typename && !out.has(typename)) out.set(typename, { typename, where, message });
  };
  for (const m of state?.mailbox.head ?? []) add(m.typename, "in the mailbox");
  for (const t of recent) add(t, "sent from this browser");
  const self = `${a.namespace}/${a.type}/`;
  for (const t of timers?.timers ?? []) if (t.target.startsWith(self)) add(t.typename, "delayed message to this type");
  for (const v of state?.values ?? []) add(v.typename, `type of state ${v.name}`, false);
  return [...out.values()];
}

const defaultFormat = (typename: string): BodyFormat => (isPrimitive(typename) ? "primitive" : "json");

/** What the body starts as in a format, until the user types one. */
function defaultBody(format: BodyFormat, typename: string): string {
  if (format === "json") return "{}";
  if (format !== "primitive" || typename === PRIMITIVE.string) return "";
  return typename === PRIMITIVE.bool ? "false" : "0";
}

/**
 * Sends one message to this address through the public ingress (Content-Type application/vnd.<typename>, or
 * text/plain for an io.statefun.types/string), then reports when the address's version moves past it.
 */
export function SendMessage({ address, state, timers }: { address: AddressRef; state: AddressState | undefined; timers: AddressTimers | undefined }) {
  const uid = useId();
  const send = useSendMessage(address);
  const [plain, setPlain] = useState(false);
  const [typename, setTypename] = useState("");
  const [format, setFormat] = useState<BodyFormat>("json");
  const [formatTouched, setFormatTouched] = useState(false);
  const [text, setText] = useState("{}");
  const [bodyTouched, setBodyTouched] = useState(false);
  // Rendered in the browser only (after the state's first read), so localStorage is there from the first render.
  const [recent, setRecent] = useState<string[]>(() => (typeof window === "undefined" ? [] : readRecent(address)));
  const [typenameTouched, setTypenameTouched] = useState(false);
  const [sent, setSent] = useState<{ messageId: string; atVersion: number; at: number } | null>(null);

  const seen = useMemo(() => typesSeen(address, state, timers, recent), [address, state, timers, recent]);
  function changeFormat(f: BodyFormat, forType: string) {
    setFormat(f);
    if (!bodyTouched) setText(defaultBody(f, forType));
  }
  // Until the user types one, the typename follows the likeliest message type seen here.
  const first = seen.find((t) => t.message)?.typename;
  useEffect(() => {
    if (typenameTouched || !first) return;
    setTypename(first);
    if (!formatTouched) {
      const f = defaultFormat(first);
      setFormat(f);
      if (!bodyTouched) setText(defaultBody(f, first));
    }
  }, [first, typenameTouched, formatTouched, bodyTouched]);

  const checked = messageBody(typename, plain ? "plain" : format, text);
  // A pristine form is not wrong yet: the reason Send is disabled shows once the user has typed something.
  const showError = !checked.ok && (typenameTouched || bodyTouched);
  const version = state?.version ?? 0;
  const moved = sent !== null && version > sent.atVersion;

  function submit() {
    if (!checked.ok) return;
    const t = plain ? PRIMITIVE.string : typename.trim();
    send.mutate(checked.value, {
      onSuccess: (r) => {
        setSent({ messageId: r.messageId, atVersion: version, at: Date.now() });
        rememberSent(address, t);
        setRecent(readRecent(address));
      },
    });
  }

  const hintId = `${uid}-body-hint`;
  const errId = `${uid}-body-error`;
  return (
    <section className="card" aria-labelledby={`${uid}-h`}>
      <h2 id={`${uid}-h`}>Send a message</h2>
      <fieldset className="mode-switch">
        <legend>Send as</legend>
        <label>
          <input type="radio" name={`${uid}-as`} checked={!plain} onChange={() => setPlain(false)} /> Typed message (<code>application/vnd.&lt;typename&gt;</code>)
        </label>
        <label>
          <input type="radio" name={`${uid}-as`} checked={plain} onChange={() => setPlain(true)} /> Plain text (<code>text/plain</code> → <code>{PRIMITIVE.string}</code>)
        </label>
      </fieldset>
      {!plain ? (
        <div className="form-grid">
          <div className="field span-2">
            <label htmlFor={`${uid}-type`}>Typename</label>
            <input
              id={`${uid}-type`}
              type="text"
              list={`${uid}-types`}
              value={typename}
              onChange={(e) => {
                setTypename(e.target.value);
                setTypenameTouched(true);
                if (!formatTouched) changeFormat(defaultFormat(e.target.value.trim()), e.target.value.trim());
              }}
              placeholder="example/GreetRequest"
              spellCheck={false}
              autoComplete="off"
              aria-describedby={`${uid}-type-hint`}
            />
            <datalist id={`${uid}-types`}>
              {seen.map((s) => (
                <option key={s.typename} value={s.typename}>
                  {s.where}
                </option>
              ))}
            </datalist>
            <span id={`${uid}-type-hint`} className="hint">
              {seen.length ? `Seen here: ${seen.map((s) => s.typename).join(", ")}. ` : "No message types seen at this address yet. "}
              Any <code>namespace/name</code> may be typed.
            </span>
          </div>
          <div className="field">
            <label htmlFor={`${uid}-format`}>Body format</label>
            <select
              id={`${uid}-format`}
              value={format}
              onChange={(e) => {
                changeFormat(e.target.value as BodyFormat, typename.trim());
                setFormatTouched(true);
              }}
            >
              {(isPrimitive(typename.trim()) ? (["primitive", "base64"] as const) : (["json", "text", "base64"] as const)).map((f) => (
                <option key={f} value={f}>
                  {FORMAT_LABEL[f]}
                </option>
              ))}
            </select>
          </div>
        </div>
      ) : null}
      <div className="field send-body">
        <span className="field-label" id={`${uid}-body-label`}>
          Body
        </span>
        <p id={hintId} className="hint small muted">
          {plain
            ? "Sent as an io.statefun.types/string."
            : format === "json"
              ? "UTF-8 JSON, sent as the message's bytes (as the SDKs' JSON types read it)."
              : format === "primitive"
                ? "The value, wrapped as the StateFun primitive the typename names."
                : format === "base64"
                  ? "The message's raw bytes, base64."
                  : "UTF-8 text, sent as the message's bytes."}
        </p>
        <CodeEditor
          value={text}
          onChange={(t) => {
            setText(t);
            setBodyTouched(true);
          }}
          language={!plain && format === "json" ? "json" : "text"}
          label="Message body"
          describedBy={`${hintId} ${errId}`}
          invalid={showError}
          testId="message-body"
        />
        <p id={errId} className={showError ? "field-error small" : "sr-only"} aria-live="polite">
          {showError && !checked.ok ? checked.error : ""}
        </p>
      </div>
      <ErrorAlert error={send.error} prefix="Not sent" />
      <div className="form-actions">
        <button type="button" className="btn btn-primary" disabled={!checked.ok || send.isPending} onClick={submit}>
          {send.isPending ? "Sending…" : "Send message"}
        </button>
        <p role="status" className="send-status small">
          {sent
            ? moved
              ? `Message ${sent.messageId} accepted at version ${sent.atVersion}; the address is now at version ${version}.`
              : `Message ${sent.messageId} accepted at version ${sent.atVersion}; waiting for the address to process it…`
            : ""}
        </p>
      </div>
    </section>
  );
}
