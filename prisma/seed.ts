/**
 * The demo seed: the first admin from STATEHOUSE_ADMIN_USER/PASSWORD, and an application "playground" bound
 * to the demo functions (the StateFun playground greeter and shopping cart, served by the official JS SDK).
 * Idempotent: run it as often as you like.
 */
import { readFileSync } from "node:fs";

import { bootProcess } from "../server/boot";
import { closeContext } from "../server/context";
import { ensureBootstrapAdmin } from "../server/auth/sessions";
import { createApplication } from "../server/registry/applications";
import { importModule } from "../server/registry/module-service";
import { reprobeEndpoint } from "../server/registry/endpoints";
import { AppError } from "../server/errors";

const ctx = await bootProcess("producer", { process: "seed" });
const env = ctx.env;
const seed = { kind: "admin-token", name: "seed", role: "admin" } as const;
const url = env.STATEHOUSE_DEMO_FUNCTIONS_URL;

const MODULE = readFileSync(new URL("../examples/playground/module.yaml", import.meta.url), "utf8").replaceAll(
  "http://functions:8000/statefun",
  url,
);

const DEMO_TYPES: Record<string, string[]> = {
  "example/*": ["example/person", "example/greeter"],
  "com.example/*": ["com.example/stock", "com.example/user-shopping-cart"],
};

try {
  if (await ensureBootstrapAdmin(ctx)) console.log(`seed: created admin user "${env.STATEHOUSE_ADMIN_USER}"`);
  try {
    await createApplication(ctx, seed, { name: "playground", description: "StateFun playground: greeter and shopping cart" });
    console.log('seed: created application "playground"');
  } catch (e) {
    if (!(e instanceof AppError && e.code === "already-exists")) throw e;
  }
  const diff = await importModule(ctx, seed, "playground", MODULE, false);
  console.log(`seed: playground module applied (${diff.endpoints.added.length} endpoints added, ${diff.endpoints.unchanged} unchanged)`);
  const endpoints = await ctx.db.functionEndpoint.findMany({ where: { application: { name: "playground" } } });
  for (const e of endpoints)
    for (const type of DEMO_TYPES[e.functions] ?? []) {
      try {
        await reprobeEndpoint(ctx, seed, "playground", e.id, type);
        console.log(`seed: probed ${type}`);
      } catch (err) {
        // The functions may not be up yet; the console can probe later.
        console.log(`seed: could not probe ${type} at ${url} (${(err as Error).message}); continuing`);
      }
    }
} finally {
  await closeContext(ctx);
}
