-- The commit sequence of each address's last change: a rollback rewrites only the addresses changed since its savepoint's cut.
-- Rows from before it have none (null: treated as changed).
ALTER TABLE "cp_address" ADD COLUMN "seq" BIGINT;

-- A savepoint copies the rows of addresses unchanged since an earlier savepoint's cut from it: which one, and how many.
ALTER TABLE "savepoint" ADD COLUMN "baseId" UUID,
ADD COLUMN "fromBase" INTEGER NOT NULL DEFAULT 0;
