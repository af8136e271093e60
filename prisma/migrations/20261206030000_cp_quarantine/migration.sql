-- Changes a checkpoint round could not apply to Postgres (a name it cannot store, a value it refuses), one row per
-- address: the rest of the round is applied and the cursor moves on, so one bad address never stops the world.
-- The address is kept exactly (bytes) and printable (JSON-escaped text: Postgres text holds no NUL).
CREATE TABLE "cp_quarantine" (
    "id" BIGSERIAL NOT NULL,
    "key_hash" BYTEA NOT NULL,
    "address" TEXT NOT NULL,
    "address_bytes" BYTEA NOT NULL,
    "error" TEXT NOT NULL,
    "first_seq" BIGINT NOT NULL,
    "last_seq" BIGINT NOT NULL,
    "rounds" INTEGER NOT NULL DEFAULT 1,
    "changes" JSONB NOT NULL,
    "messages" BYTEA[] NOT NULL DEFAULT '{}',
    "first_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cp_quarantine_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "cp_quarantine_key_hash_key" ON "cp_quarantine"("key_hash");
CREATE INDEX "cp_quarantine_last_at_idx" ON "cp_quarantine"("last_at");
