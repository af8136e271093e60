import type { Metadata } from "next";
import { Suspense } from "react";
import { EgressView } from "../../components/egress/egress-view";

export const metadata: Metadata = { title: "Egress" };

// The egress and topic live in the query string (useSearchParams needs a Suspense boundary).
export default function EgressPage() {
  return (
    <Suspense>
      <EgressView />
    </Suspense>
  );
}
