-- User names are unique regardless of case: Admin and admin would be two accounts a person reads as one, and
-- login matches a name regardless of case. The Prisma schema cannot express an index on an expression, and Prisma
-- leaves this one alone (it ignores expression indexes since 4.1), and the plain unique index on username stays.
--
-- Names that already collide (possible only in a database written before this migration) must not make the
-- migration fail and block the upgrade, nor lose an account: the oldest account of each group keeps its name,
-- each later one becomes <name>~<its id> (ids are unique, and ~ is outside the alphabet of created names, so the
-- new name collides with nothing), and an audit row records each rename for the admin to act on.
WITH ranked AS (
    SELECT "id", "username",
           row_number() OVER (PARTITION BY lower("username") ORDER BY "createdAt", "id") AS rn
    FROM "User"
), renamed AS (
    UPDATE "User" AS u
    SET "username" = left(r."username", 60) || '~' || r."id"::text
    FROM ranked AS r
    WHERE u."id" = r."id" AND r.rn > 1
    RETURNING r."username" AS old_name, u."username" AS new_name
)
INSERT INTO "AuditEvent" ("actor", "actorKind", "action", "targetType", "target", "before", "after")
SELECT 'system:migration', 'system', 'user.rename', 'user', new_name,
       jsonb_build_object('username', old_name),
       jsonb_build_object('username', new_name, 'reason', 'user names are unique regardless of case')
FROM renamed;

-- CreateIndex
CREATE UNIQUE INDEX "User_username_lower_key" ON "User" (lower("username"));
