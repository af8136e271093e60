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
    "seq" BIGINT NOT NULL,
    "idx" INTEGER NOT NULL,
    "entry" BYTEA NOT NULL,

    CONSTRAINT "cp_message_pkey" PRIMARY KEY ("address","seq","idx")
);

-- CreateTable
CREATE TABLE "cp_timer" (
    "partition" INTEGER NOT NULL,
    "id" TEXT NOT NULL,
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

-- CreateIndex
CREATE INDEX "cp_address_function_type_address_idx" ON "cp_address"("function_type", "address");
