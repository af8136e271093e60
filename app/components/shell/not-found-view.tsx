"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

export function NotFoundView() {
  const pathname = usePathname();
  return (
    <section className="not-found" aria-labelledby="not-found-title">
      <p className="not-found-code" aria-hidden="true">
        404
      </p>
      <h1 id="not-found-title">Page not found</h1>
      <p className="muted">
        Nothing in the console lives at <code className="not-found-path">{pathname}</code>. The link may be mistyped, or what it
        pointed to was deleted.
      </p>
      <ul className="row not-found-links">
        <li>
          <Link href="/" className="btn btn-primary">
            Go to the overview
          </Link>
        </li>
        <li>
          <Link href="/functions" className="btn">
            Browse functions
          </Link>
        </li>
        <li>
          <Link href="/applications" className="btn">
            Applications
          </Link>
        </li>
      </ul>
    </section>
  );
}
