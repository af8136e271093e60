import type { Role } from "./types";

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Mirrors the server's role ladder so the console can hide what the server would refuse anyway. */
export const hasRole = (have: Role | undefined, need: Role): boolean => have !== undefined && RANK[have] >= RANK[need];
