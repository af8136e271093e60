"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { useLogin } from "../lib/hooks/use-session";
import { ErrorAlert } from "./error-alert";
import { Field } from "./field";

/**
 * Only same-site paths: `?next=//evil.example` must not turn the login page into an open redirect. Without one, the
 * overview: live rates and health are what a user signing in wants to see first.
 */
function safeNext(): string {
  if (typeof window === "undefined") return "/";
  const next = new URLSearchParams(window.location.search).get("next");
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login") ? next : "/";
}

export function LoginForm() {
  const router = useRouter();
  const login = useLogin();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [missing, setMissing] = useState<string | null>(null);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!username || !password) {
      setMissing(!username ? "Enter your username." : "Enter your password.");
      return;
    }
    setMissing(null);
    login.mutate({ username, password }, { onSuccess: () => router.replace(safeNext()) });
  }

  return (
    <main className="login-page">
      <div className="card login-card">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            SH
          </span>
          Statehouse
        </div>
        <h1>Sign in</h1>
        <p className="muted small">Sign in to manage stateful function applications.</p>
        <form onSubmit={onSubmit} noValidate>
          <Field
            label="Username"
            name="username"
            autoComplete="username"
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
          <Field
            label="Password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          {missing ? (
            <div role="alert" className="alert alert-error">
              {missing}
            </div>
          ) : (
            <ErrorAlert error={login.error} />
          )}
          <button type="submit" className="btn btn-primary" disabled={login.isPending}>
            {login.isPending ? "Signing in…" : "Sign in"}
          </button>
        </form>
      </div>
    </main>
  );
}
