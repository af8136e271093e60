import type { Metadata } from "next";
import { Suspense } from "react";
import { UsersView } from "../../../components/admin/users-view";

export const metadata: Metadata = { title: "Users" };

// ?user=<name> (an audit link) highlights that user: useSearchParams needs a Suspense boundary.
export default function UsersPage() {
  return (
    <Suspense>
      <UsersView />
    </Suspense>
  );
}
