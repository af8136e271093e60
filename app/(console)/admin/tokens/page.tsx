import type { Metadata } from "next";
import { Suspense } from "react";
import { TokensView } from "../../../components/admin/tokens-view";

export const metadata: Metadata = { title: "API tokens" };

// ?token=<name> (an audit link) highlights that token: useSearchParams needs a Suspense boundary.
export default function TokensPage() {
  return (
    <Suspense>
      <TokensView />
    </Suspense>
  );
}
