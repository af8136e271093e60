import type { Metadata } from "next";
import { Suspense } from "react";
import { AddressBrowser } from "../../../../components/functions/address-browser";
import { Skeleton } from "../../../../components/skeleton";
import { decodeParam as decode } from "../../../../lib/route-params";

interface Props {
  params: Promise<{ namespace: string; type: string }>;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { namespace, type } = await params;
  return { title: `${decode(namespace)}/${decode(type)} · Functions` };
}

// Prefix, jump id and cursor live in the query string, so a page of the list can be shared as a link.
export default async function AddressBrowserPage({ params }: Props) {
  const { namespace, type } = await params;
  return (
    <Suspense fallback={<Skeleton label="the addresses" />}>
      <AddressBrowser namespace={decode(namespace)} type={decode(type)} />
    </Suspense>
  );
}
