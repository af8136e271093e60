/**
 * Compiles server/protocol/proto/*.proto into server/protocol/generated/descriptor.json (protobufjs `Root#toJSON`).
 *
 * The runtime loads that JSON with `Root.fromJSON`, so neither tsx nor the Next.js server bundle ever reads a .proto
 * file from disk. tests/protocol/codec.test.ts regenerates in memory and fails when the committed JSON is stale.
 *
 *   npx tsx scripts/gen-proto.ts
 */
import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Root } from "protobufjs";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const PROTO_DIR = join(repoRoot, "server/protocol/proto");
export const DESCRIPTOR_PATH = join(repoRoot, "server/protocol/generated/descriptor.json");
export const PROTO_FILES = ["request-reply.proto", "types.proto", "egress.proto"] as const;

/** The descriptor file's exact text: the parsed schema as JSON, 2-space indented, newline-terminated. */
export function renderDescriptor(): string {
  const root = new Root().loadSync(
    PROTO_FILES.map((f) => join(PROTO_DIR, f)),
    { keepCase: false },
  );
  root.resolveAll();
  return `${JSON.stringify(root.toJSON(), null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  writeFileSync(DESCRIPTOR_PATH, renderDescriptor());
  console.log(`wrote ${DESCRIPTOR_PATH}`);
}
