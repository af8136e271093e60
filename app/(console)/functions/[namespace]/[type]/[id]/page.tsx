import type { Metadata } from "next";
import { Suspense } from "react";
import { AddressView } from "../../../../../components/address/address-view";
import { Skeleton } from "../../../../../components/skeleton";

interface Props {
  params: Promise<{ namespace: string; type: string; id: string }>;
}

/** Next hands page params over still percent-encoded; an undecodable one is shown as it came. */
const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { namespace, type, id } = await params;
  return { title: `${decode(id)} · ${decode(namespace)}/${decode(type)}` };
}

export default async function AddressPage({ params }: Props) {
  const { namespace, type, id } = await params;
  return (
    <Suspense fallback={<Skeleton label="the address" />}>
      <AddressView namespace={decode(namespace)} type={decode(type)} id={decode(id)} />
    </Suspense>
  );
}
