"use client";

import { useEffect, useRef } from "react";

/** A row linked to from elsewhere (the audit log's ?user= or ?token=): scrolled into view once it renders. */
export function useHighlightRow(highlighted: boolean) {
  const ref = useRef<HTMLTableRowElement>(null);
  useEffect(() => {
    if (highlighted) ref.current?.scrollIntoView({ block: "center" });
  }, [highlighted]);
  return { ref, className: highlighted ? "admin-highlight" : undefined };
}
