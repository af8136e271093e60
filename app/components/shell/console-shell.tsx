"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useEffect, useRef, useState, type KeyboardEvent, type MouseEvent, type ReactNode } from "react";
import { useLogout, useSession } from "../../lib/hooks/use-session";
import { hasRole } from "../../lib/roles";
import { ErrorAlert } from "../error-alert";
import { HealthIndicator } from "./health-indicator";
import { ThemeSelect } from "./theme-select";

interface NavItem {
  href: string;
  label: string;
  /** Other path prefixes that belong to this section (a savepoint is an application's). */
  also?: string[];
}

/** Every deep link of the console (issue #15, item 1); the admin section only for admins. */
const NAV: NavItem[] = [
  { href: "/", label: "Overview" },
  { href: "/functions", label: "Functions" },
  { href: "/applications", label: "Applications", also: ["/savepoints"] },
  { href: "/parked", label: "Parked" },
  { href: "/egress", label: "Egress" },
  { href: "/audit", label: "Audit" },
];
const ADMIN_NAV: NavItem[] = [
  { href: "/admin/users", label: "Users" },
  { href: "/admin/tokens", label: "Tokens" },
];

const under = (pathname: string, prefix: string) => pathname === prefix || pathname.startsWith(prefix + "/");
const isCurrent = (pathname: string, item: NavItem) =>
  item.href === "/" ? pathname === "/" : [item.href, ...(item.also ?? [])].some((p) => under(pathname, p));

function NavLinks({ items, pathname }: { items: NavItem[]; pathname: string }) {
  return items.map((item) => (
    <li key={item.href}>
      <Link href={item.href} aria-current={isCurrent(pathname, item) ? "page" : undefined}>
        {item.label}
      </Link>
    </li>
  ));
}

export function ConsoleShell({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  const router = useRouter();
  const session = useSession();
  const logout = useLogout();
  const signedOut = session.isSuccess && session.data === null;
  // the narrow-screen menu; on wide screens its contents are always shown and the button is hidden
  const [menuOpen, setMenuOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);

  // A session that ended elsewhere (expired, revoked) sends the user to sign in and back here; a sign-out from this
  // page navigates by itself, and a second navigation would race it.
  const signingOut = logout.isPending || logout.isSuccess;
  useEffect(() => {
    if (signedOut && !signingOut) router.replace(`/login?next=${encodeURIComponent(pathname)}`);
  }, [signedOut, signingOut, pathname, router]);

  function signOut() {
    logout.mutate(undefined, { onSettled: () => router.replace("/login") });
  }

  function closeOnLink(e: MouseEvent) {
    if ((e.target as Element).closest("a")) setMenuOpen(false);
  }
  function closeOnEscape(e: KeyboardEvent) {
    if (e.key !== "Escape" || !menuOpen) return;
    setMenuOpen(false);
    menuButton.current?.focus();
  }

  const user = session.data?.user;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="shell-header" onKeyDown={closeOnEscape}>
        <div className="shell-header-inner">
          <Link href="/" className="brand">
            <span className="brand-mark" aria-hidden="true">
              SH
            </span>
            Statehouse
          </Link>
          <HealthIndicator />
          <button
            ref={menuButton}
            type="button"
            className="btn btn-small shell-menu-button"
            aria-expanded={menuOpen}
            aria-controls="shell-menu"
            onClick={() => setMenuOpen((o) => !o)}
          >
            <span aria-hidden="true">☰</span> Menu
          </button>
          <div id="shell-menu" className="shell-menu" data-open={menuOpen} onClick={closeOnLink}>
            <nav aria-label="Main" className="nav">
              <ul>
                <NavLinks items={NAV} pathname={pathname} />
              </ul>
              {hasRole(user?.role, "admin") ? (
                <div className="nav-group">
                  <span className="nav-group-label" id="nav-admin">
                    Admin
                  </span>
                  <ul aria-labelledby="nav-admin">
                    <NavLinks items={ADMIN_NAV} pathname={pathname} />
                  </ul>
                </div>
              ) : null}
            </nav>
            <div className="shell-tools">
              <ThemeSelect />
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
          </div>
        </div>
      </header>
      <main id="main" className="shell-main" tabIndex={-1}>
        {session.isError ? <ErrorAlert error={session.error} prefix="Could not load your session" /> : null}
        {/*
          Pages render while the session loads (each shows its own skeleton; role-gated controls stay hidden until
          the role is known), so the server renders them too: a page's notFound() then answers HTTP 404.
        */}
        {signedOut ? null : children}
      </main>
    </>
  );
}
