import type { z } from "zod";
import type { SessionInfo as SessionInfoSchema } from "@/server/contracts/auth";
import type { ApiToken as ApiTokenSchema, CreatedApiToken as CreatedApiTokenSchema, User as UserSchema } from "@/server/contracts/auth";
import type { EgressPage as EgressPageSchema, EgressRecordView as EgressRecordSchema } from "@/server/contracts/egress";
import type { ParkedAddress as ParkedAddressSchema, ParkedPage as ParkedPageSchema, UnparkResult as UnparkResultSchema } from "@/server/contracts/state";
import type { AuditEvent as AuditEventSchema, AuditPage as AuditPageSchema, Health as HealthSchema } from "@/server/contracts/operations";
import type { ApplicationDetail as ApplicationDetailSchema } from "@/server/contracts/registry";
import type {
  ControlJobView as ControlJobSchema,
  Diff as SavepointDiffSchema,
  DiffEntry as SavepointDiffEntrySchema,
  RollbackResult as RollbackResultSchema,
  Savepoint as SavepointSchema,
} from "@/server/contracts/savepoints";

export type { Application, Endpoint, EndpointInput, DeclaredState, ModuleDiff, ProbeResult } from "@/server/contracts/registry";
export type { Principal, Role } from "@/server/contracts/auth";

export type SessionInfo = z.infer<typeof SessionInfoSchema>;
export type ApplicationDetail = z.infer<typeof ApplicationDetailSchema>;
export type AuditEvent = z.infer<typeof AuditEventSchema>;
export type AuditPage = z.infer<typeof AuditPageSchema>;
export type Health = z.infer<typeof HealthSchema>;
export type Savepoint = z.infer<typeof SavepointSchema>;
export type SavepointDiff = z.infer<typeof SavepointDiffSchema>;
export type SavepointDiffEntry = z.infer<typeof SavepointDiffEntrySchema>;
export type RollbackResult = z.infer<typeof RollbackResultSchema>;
export type ControlJob = z.infer<typeof ControlJobSchema>;
export type ParkedAddress = z.infer<typeof ParkedAddressSchema>;
export type ParkedPage = z.infer<typeof ParkedPageSchema>;
export type UnparkResult = z.infer<typeof UnparkResultSchema>;
export type EgressPage = z.infer<typeof EgressPageSchema>;
export type EgressRecord = z.infer<typeof EgressRecordSchema>;
export type User = z.infer<typeof UserSchema>;
export type ApiToken = z.infer<typeof ApiTokenSchema>;
export type CreatedApiToken = z.infer<typeof CreatedApiTokenSchema>;
