import { z } from "zod";
import { AddressId, FunctionTypeName, Namespace } from "./names";

/** StateFun's payload_max_bytes default: nothing larger is ever accepted (INGRESS_MAX_BYTES may lower it). */
export const INGRESS_HARD_LIMIT = 32 * 1024 * 1024;

/** An address in a path: every route that names one (ingress, state, parked, history) takes the same names. */
export const AddressParams = z.object({ namespace: Namespace, type: FunctionTypeName, id: AddressId });

export const Accepted = z.object({ messageId: z.string(), duplicate: z.boolean().optional() });

export const BatchResult = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.array(z.object({ line: z.number().int(), code: z.string(), error: z.string() })),
});

export const IDEMPOTENCY_HEADER = "idempotency-key";
