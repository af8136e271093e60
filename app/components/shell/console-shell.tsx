"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useEffect, type ReactNode } from "react";
import { useLogout, useSession } from "../../lib/hooks/use-session";
import { ErrorAlert } from "../error-alert";
import { HealthIndicator } from "./health-indicator";

const NAV = [
  { href: "/applications", label: "Applications" },
  { href: "/audit", label: "Audit" },
];

export function ConsoleShell({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  const router = useRouter();
  const session = useSession();
  const logout = useLogout();
  const signedOut = session.isSuccess && session.data === null;

  useEffect(() => {
    if (signedOut) router.replace(`/login?next=${encodeURIComponent(pathname)}`);
  }, [signedOut, pathname, router]);

  function signOut() {
    logout.mutate(undefined, { onSettled: () => router.replace("/login") });
  }

  const user = session.data?.user;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="shell-header">
        <div className="shell-header-inner">
          <Link href="/applications" className="brand">
            <span className="brand-mark" aria-hidden="true">
              SH
            </span>
            Statehouse
          </Link>
          <nav aria-label="Main" className="nav">
            {NAV.map((item) => {
              const current = pathname === item.href || pathname.startsWith(item.href + "/");
              return (
                <Link key={item.href} href={item.href} aria-current={current ? "page" : undefined}>
                  {item.label}
                </Link>
              );
            })}
          </nav>
          <div className="shell-spacer" />
          <HealthIndicator />
          {user ? (
            <div className="shell-user">
              <span>
                Signed in as <strong>{user.name}</strong> <span className="role">({user.role})</span>
              </span>
              <button type="button" className="btn btn-small" onClick={signOut} disabled={logout.isPending}>
                Sign out
              </button>
            </div>
          ) : null}
        </div>
      </header>
      <main id="main" className="shell-main" tabIndex={-1}>
        {session.isError ? <ErrorAlert error={session.error} prefix="Could not load your session" /> : null}
        {user ? children : session.isPending ? <p className="muted">Loading…</p> : null}
      </main>
    </>
  );
}
