import type { z } from "zod";

/** One readable line: `body.functions: must be ...; body.transport.call: ...` (`where` "": paths from the root). */
export function formatZodError(error: z.ZodError, where: string): string {
  const parts = error.issues.slice(0, 5).map((i) => {
    const path = [where, ...i.path.map(String)].filter((p) => p !== "").join(".") || "(the value)";
    const msg = i.code === "invalid_type" && /received undefined/.test(i.message) ? "is required" : i.message;
    return `${path}: ${msg}`;
  });
  const more = error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : "";
  return parts.join("; ") + more;
}
