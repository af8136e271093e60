import type { Metadata } from "next";
import { Suspense } from "react";
import { FunctionsView } from "../../components/functions/functions-view";

export const metadata: Metadata = { title: "Functions" };

// The filter lives in the query string (useSearchParams needs a Suspense boundary).
export default function FunctionsPage() {
  return (
    <Suspense>
      <FunctionsView />
    </Suspense>
  );
}
