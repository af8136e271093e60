-- DropForeignKey
ALTER TABLE "savepoint_address" DROP CONSTRAINT "savepoint_address_savepoint_id_fkey";

-- DropForeignKey
ALTER TABLE "savepoint_message" DROP CONSTRAINT "savepoint_message_savepoint_id_fkey";

-- DropForeignKey
ALTER TABLE "savepoint_timer" DROP CONSTRAINT "savepoint_timer_savepoint_id_fkey";

-- DropForeignKey
ALTER TABLE "savepoint_value" DROP CONSTRAINT "savepoint_value_savepoint_id_fkey";

-- A deleted savepoint (retention, or its application deleted by cascade) takes its rows with it, as the foreign
-- keys did, without a key check per copied row (which doubled the time of a savepoint). Rules rather than a
-- trigger function: Prisma's migration runner splits a script at every semicolon, quoted or not.
CREATE RULE "savepoint_delete_address" AS ON DELETE TO "savepoint" DO ALSO DELETE FROM "savepoint_address" WHERE "savepoint_id" = OLD."id";
CREATE RULE "savepoint_delete_value" AS ON DELETE TO "savepoint" DO ALSO DELETE FROM "savepoint_value" WHERE "savepoint_id" = OLD."id";
CREATE RULE "savepoint_delete_message" AS ON DELETE TO "savepoint" DO ALSO DELETE FROM "savepoint_message" WHERE "savepoint_id" = OLD."id";
CREATE RULE "savepoint_delete_timer" AS ON DELETE TO "savepoint" DO ALSO DELETE FROM "savepoint_timer" WHERE "savepoint_id" = OLD."id";
