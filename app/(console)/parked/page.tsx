import type { Metadata } from "next";
import { Suspense } from "react";
import { ParkedView } from "../../components/parked/parked-view";

export const metadata: Metadata = { title: "Parked addresses" };

// The filter and the cursor live in the query string (useSearchParams needs a Suspense boundary).
export default function ParkedPage() {
  return (
    <Suspense>
      <ParkedView />
    </Suspense>
  );
}
