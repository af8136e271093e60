import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client.ts";

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/** `?schema=name` in the URL selects a Postgres schema (tests give each file its own). */
export function createDb(databaseUrl: string): Db {
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get("schema") ?? undefined;
  url.searchParams.delete("schema");
  const adapter = new PrismaPg(
    { connectionString: url.toString(), max: 10, connectionTimeoutMillis: 5_000 },
    schema ? { schema } : undefined,
  );
  return new PrismaClient({ adapter });
}
