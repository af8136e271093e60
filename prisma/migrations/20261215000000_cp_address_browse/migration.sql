-- The console's address browser (GET /api/v1/state/{namespace}/{type}) lists a function type's addresses sorted by
-- id, from the checkpoint tables. Under the "C" collation (byte order, which for UTF-8 is code point order) an id
-- prefix is one contiguous key range, so both a prefix and a keyset cursor are range scans of these indexes.
-- Prisma's schema language cannot express a column collation in an index: these live here only (see schema.prisma).
CREATE INDEX "cp_address_browse_idx" ON "cp_address" ("function_type", "address" COLLATE "C");

-- Addresses with queued messages and no commit yet have cp_message rows only. The browser finds them by a skip
-- scan of this index (one descent per distinct address). It replaces the index on function_type alone: the same
-- leading column serves every query that used that one, and the checkpointer keeps maintaining one index per row.
CREATE INDEX "cp_message_browse_idx" ON "cp_message" ("function_type", "address" COLLATE "C");
DROP INDEX IF EXISTS "cp_message_function_type_idx";
