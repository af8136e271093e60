#!/usr/bin/env node
/**
 * The `statehouse` CLI launcher: runs cli/main.ts through tsx (a runtime dependency), so the CLI needs no build
 * step and shares server/contracts/ with the server as they are in the checkout.
 */
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

// The repository's tsconfig, not the one of whatever directory the CLI is run from.
register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
await import("../cli/main.ts");
