import type { Metadata } from "next";
import { notFound } from "next/navigation";

export const metadata: Metadata = { title: "Page not found" };

/**
 * Any path no console page claims lands here and renders app/(console)/not-found.tsx inside the shell, with a
 * 404 status (the page throws before anything streams). /api/* has its own JSON 404 (app/api/[...missing]).
 */
export default function MissingPage(): never {
  notFound();
}
