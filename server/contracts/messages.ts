import { z } from "zod";

/** StateFun's payload_max_bytes default: nothing larger is ever accepted (INGRESS_MAX_BYTES may lower it). */
export const INGRESS_HARD_LIMIT = 32 * 1024 * 1024;

export const AddressParams = z.object({
  namespace: z.string().min(1).regex(/^[^/\s]+$/, { message: "must not contain / or spaces" }),
  type: z.string().min(1).regex(/^[^/\s]+$/, { message: "must not contain / or spaces" }),
  id: z.string().min(1).max(1000),
});

export const Accepted = z.object({ messageId: z.string(), duplicate: z.boolean().optional() });

export const BatchResult = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.array(z.object({ line: z.number().int(), code: z.string(), error: z.string() })),
});

export const IDEMPOTENCY_HEADER = "idempotency-key";
