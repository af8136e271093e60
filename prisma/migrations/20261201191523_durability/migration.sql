-- CreateTable
CREATE TABLE "cp_address" (
    "address" TEXT NOT NULL,
    "function_type" TEXT NOT NULL,
    "version" BIGINT NOT NULL,
    "invoked_at" BIGINT,
    "updated_at" BIGINT NOT NULL,

    CONSTRAINT "cp_address_pkey" PRIMARY KEY ("address")
);

-- CreateTable
CREATE TABLE "cp_value" (
    "address" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "value" BYTEA NOT NULL,
    "written_at" BIGINT NOT NULL,

    CONSTRAINT "cp_value_pkey" PRIMARY KEY ("address","name")
);

-- CreateTable
CREATE TABLE "cp_message" (
    "address" TEXT NOT NULL,
    "function_type" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "idx" INTEGER NOT NULL,
    "entry" BYTEA NOT NULL,

    CONSTRAINT "cp_message_pkey" PRIMARY KEY ("address","seq","idx")
);

-- CreateTable
CREATE TABLE "cp_timer" (
    "partition" INTEGER NOT NULL,
    "id" TEXT NOT NULL,
    "sender_type" TEXT NOT NULL,
    "due_at" BIGINT NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "cp_timer_pkey" PRIMARY KEY ("partition","id")
);

-- CreateTable
CREATE TABLE "cp_spec" (
    "function_type" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "spec" BYTEA NOT NULL,

    CONSTRAINT "cp_spec_pkey" PRIMARY KEY ("function_type","name")
);

-- CreateTable
CREATE TABLE "cp_cursor" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "seq" BIGINT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "generation" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "cp_cursor_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "savepoint" (
    "id" UUID NOT NULL,
    "applicationId" UUID NOT NULL,
    "label" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL,
    "origin" TEXT NOT NULL,
    "seq" BIGINT,
    "functionTypes" TEXT[],
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "durationMs" INTEGER,
    "addresses" INTEGER NOT NULL DEFAULT 0,
    "values" INTEGER NOT NULL DEFAULT 0,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "messages" INTEGER NOT NULL DEFAULT 0,
    "timers" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "restoredAt" TIMESTAMP(3),

    CONSTRAINT "savepoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "savepoint_address" (
    "savepoint_id" UUID NOT NULL,
    "address" TEXT NOT NULL,
    "function_type" TEXT NOT NULL,
    "version" BIGINT NOT NULL,
    "invoked_at" BIGINT,

    CONSTRAINT "savepoint_address_pkey" PRIMARY KEY ("savepoint_id","address")
);

-- CreateTable
CREATE TABLE "savepoint_value" (
    "savepoint_id" UUID NOT NULL,
    "address" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "value" BYTEA NOT NULL,
    "written_at" BIGINT NOT NULL,

    CONSTRAINT "savepoint_value_pkey" PRIMARY KEY ("savepoint_id","address","name")
);

-- CreateTable
CREATE TABLE "savepoint_message" (
    "savepoint_id" UUID NOT NULL,
    "address" TEXT NOT NULL,
    "function_type" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "idx" INTEGER NOT NULL,
    "entry" BYTEA NOT NULL,

    CONSTRAINT "savepoint_message_pkey" PRIMARY KEY ("savepoint_id","address","seq","idx")
);

-- CreateTable
CREATE TABLE "savepoint_timer" (
    "savepoint_id" UUID NOT NULL,
    "partition" INTEGER NOT NULL,
    "id" TEXT NOT NULL,
    "sender_type" TEXT NOT NULL,
    "due_at" BIGINT NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "savepoint_timer_pkey" PRIMARY KEY ("savepoint_id","partition","id")
);

-- CreateIndex
CREATE INDEX "cp_address_function_type_address_idx" ON "cp_address"("function_type", "address");

-- CreateIndex
CREATE INDEX "cp_message_function_type_idx" ON "cp_message"("function_type");

-- CreateIndex
CREATE INDEX "cp_timer_sender_type_idx" ON "cp_timer"("sender_type");

-- CreateIndex
CREATE INDEX "savepoint_applicationId_createdAt_idx" ON "savepoint"("applicationId", "createdAt");

-- AddForeignKey
ALTER TABLE "savepoint" ADD CONSTRAINT "savepoint_applicationId_fkey" FOREIGN KEY ("applicationId") REFERENCES "Application"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "savepoint_address" ADD CONSTRAINT "savepoint_address_savepoint_id_fkey" FOREIGN KEY ("savepoint_id") REFERENCES "savepoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "savepoint_value" ADD CONSTRAINT "savepoint_value_savepoint_id_fkey" FOREIGN KEY ("savepoint_id") REFERENCES "savepoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "savepoint_message" ADD CONSTRAINT "savepoint_message_savepoint_id_fkey" FOREIGN KEY ("savepoint_id") REFERENCES "savepoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "savepoint_timer" ADD CONSTRAINT "savepoint_timer_savepoint_id_fkey" FOREIGN KEY ("savepoint_id") REFERENCES "savepoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;
