import type { Metadata } from "next";
import { Suspense } from "react";
import { AuditView } from "../../components/audit/audit-view";

export const metadata: Metadata = { title: "Audit" };

// The filter lives in the query string (useSearchParams needs a Suspense boundary).
export default function AuditPage() {
  return (
    <Suspense>
      <AuditView />
    </Suspense>
  );
}
