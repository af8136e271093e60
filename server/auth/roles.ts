import type { Role } from "../contracts/common";

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export const hasRole = (actual: Role, required: Role) => RANK[actual] >= RANK[required];
