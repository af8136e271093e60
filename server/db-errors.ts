/** Postgres unique_violation, as surfaced by Prisma (P2002) through the pg adapter. */
export function isUniqueViolation(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return false;
  const err = e as { code?: string; cause?: { code?: string; originalCode?: string }; meta?: { driverAdapterError?: { cause?: { originalCode?: string; kind?: string } } } };
  return (
    err.code === "P2002" ||
    err.cause?.code === "23505" ||
    err.cause?.originalCode === "23505" ||
    err.meta?.driverAdapterError?.cause?.originalCode === "23505" ||
    err.meta?.driverAdapterError?.cause?.kind === "UniqueConstraintViolation"
  );
}
