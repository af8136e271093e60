import type { Metadata } from "next";
import { SavepointsView } from "../../../../components/savepoints/savepoints-view";

interface Props {
  params: Promise<{ app: string }>;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { app } = await params;
  return { title: `Savepoints · ${decodeURIComponent(app)}` };
}

export default async function SavepointsPage({ params }: Props) {
  const { app } = await params;
  return <SavepointsView app={decodeURIComponent(app)} />;
}
