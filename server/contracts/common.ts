import { z } from "zod";

export const Role = z.enum(["viewer", "operator", "admin"]);
export type Role = z.infer<typeof Role>;

/** `ns/name`: the runtime splits on `/` and requires exactly two non-empty parts (protocol §1.4); see names.ts. */
export const TYPENAME_RE = /^[^/\s]+\/[^/\s]+$/;
export { Typename } from "./names";

/** Standard, padded base64: Node's decoder silently skips anything else, so bytes must be checked before decoding. */
export const isBase64 = (s: string) => s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s);

export const Name = z
  .string()
  .min(1, { message: "must not be empty" })
  .max(63, { message: "must be at most 63 characters" })
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, {
    message: "must be lowercase letters, digits and dashes, starting and ending with a letter or digit",
  });

export const Cursor = z.string().max(200).optional();
export const Limit = z.coerce.number().int().min(1).max(500).default(50);

export const Page = <T extends z.ZodTypeAny>(item: T) => z.object({ items: z.array(item), next: z.string().nullable() });

export const Ok = z.object({ ok: z.literal(true) });
