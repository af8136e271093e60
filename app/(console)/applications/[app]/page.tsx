import type { Metadata } from "next";
import { ApplicationView } from "../../../components/application/application-view";

interface Props {
  params: Promise<{ app: string }>;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { app } = await params;
  return { title: decodeURIComponent(app) };
}

export default async function ApplicationPage({ params }: Props) {
  const { app } = await params;
  return <ApplicationView app={decodeURIComponent(app)} />;
}
