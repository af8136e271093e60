-- The checkpoint keeps an address's values inline in its cp_address row, as savepoint_address does: a savepoint
-- is then a straight copy of rows (no join of cp_address with cp_value, no aggregation), and a checkpoint round
-- writes one row per changed address instead of two tables. Readers keep the view cp_value, one row per value.
ALTER TABLE "cp_address"
  ADD COLUMN "value_names" TEXT[] NOT NULL DEFAULT '{}',
  ADD COLUMN "value_data" BYTEA[] NOT NULL DEFAULT '{}',
  ADD COLUMN "value_written" BIGINT[] NOT NULL DEFAULT '{}',
  ADD COLUMN "value_bytes" INTEGER NOT NULL DEFAULT 0;

UPDATE "cp_address" a
   SET ("value_names", "value_data", "value_written", "value_bytes") = (
         SELECT array_agg(v."name" ORDER BY v."name"), array_agg(v."value" ORDER BY v."name"),
                array_agg(v."written_at" ORDER BY v."name"), sum(octet_length(v."value"))::int
           FROM "cp_value" v WHERE v."address" = a."address")
 WHERE EXISTS (SELECT 1 FROM "cp_value" v WHERE v."address" = a."address");

DROP TABLE "cp_value";

CREATE VIEW "cp_value" AS
  SELECT a."address", u."name", u."value", u."written_at"
    FROM "cp_address" a
   CROSS JOIN LATERAL unnest(a."value_names", a."value_data", a."value_written") AS u("name", "value", "written_at");

-- Every round updates rows in place: room in each page lets the update stay on the page (HOT), with no index
-- entry written for the new row version.
ALTER TABLE "cp_address" SET (fillfactor = 80);
