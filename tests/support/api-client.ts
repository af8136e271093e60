import { callRoute, type CallOptions } from "./call-route";
import { loadRoutes, type LoadedRoute } from "./routes";

/** Calls route handlers by method and contract path, authenticated as the given bearer token. */
export async function apiClient(token: string) {
  const routes: LoadedRoute[] = await loadRoutes();
  return (method: string, path: string, opts: CallOptions = {}) => {
    const r = routes.find((x) => x.method === method && x.path === path);
    if (!r) throw new Error(`no route ${method} ${path}`);
    return callRoute(r.fn, method, { token, path, ...opts });
  };
}
