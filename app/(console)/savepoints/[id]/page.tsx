import type { Metadata } from "next";
import { Suspense } from "react";
import { SavepointView } from "../../../components/savepoints/savepoint-view";

interface Props {
  params: Promise<{ id: string }>;
}

export const metadata: Metadata = { title: "Savepoint" };

// useSearchParams (the diff's `against` and cursor, a running rollback's job) needs a Suspense boundary; the key
// starts a fresh view (picked comparison, page stack) when an undo moves to another savepoint.
export default async function SavepointPage({ params }: Props) {
  const { id } = await params;
  return (
    <Suspense>
      <SavepointView key={id} id={decodeURIComponent(id)} />
    </Suspense>
  );
}
