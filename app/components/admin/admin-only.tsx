"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { useSession } from "../../lib/hooks/use-session";
import { hasRole } from "../../lib/roles";
import { Skeleton } from "../skeleton";

/**
 * Users and tokens are the admin's: anyone else gets a clear statement of what this page needs instead of a
 * 403 error (the server refuses their requests anyway, and none is sent).
 */
export function AdminOnly({ title, children }: { title: string; children: ReactNode }) {
  const session = useSession();
  const user = session.data?.user;
  if (session.isPending) return <Skeleton label={title} />;
  if (hasRole(user?.role, "admin")) return <>{children}</>;
  return (
    <>
      <div className="page-header">
        <div>
          <h1>{title}</h1>
        </div>
      </div>
      <section className="card" aria-labelledby="needs-admin">
        <h2 id="needs-admin">This page needs the admin role</h2>
        <p>
          You are signed in as <strong>{user?.name ?? "someone"}</strong> with the <strong>{user?.role ?? "unknown"}</strong> role.
          Managing users and API tokens is for admins; ask one to change your role if you need it.
        </p>
        <p>
          <Link href="/">Back to the overview</Link>
        </p>
      </section>
    </>
  );
}
