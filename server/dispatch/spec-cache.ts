import type { DataPlane, StateSpec } from "./data-plane";

/**
 * State specs per function type, learned through the missing-values round trip and kept in Redis so every
 * worker (and a restarted one) attaches them without asking again. A worker's copy can be stale; the function
 * then answers IncompleteInvocationContext, the worker registers (a no-op for known names) and reloads.
 */
export class SpecCache {
  private readonly cache = new Map<string, StateSpec[]>();
  constructor(private readonly plane: DataPlane) {}

  async get(functionType: string): Promise<StateSpec[]> {
    const hit = this.cache.get(functionType);
    if (hit) return hit;
    const specs = await this.plane.loadSpecs(functionType);
    this.cache.set(functionType, specs);
    return specs;
  }

  set(functionType: string, specs: StateSpec[]): void {
    this.cache.set(functionType, specs);
  }
}
