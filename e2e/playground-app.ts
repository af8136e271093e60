import { expect, type APIRequestContext } from "@playwright/test";
import { ADMIN_TOKEN, greeterModuleYaml, releaseNamespace } from "./helpers";

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

/** An application `app` that binds example/* to the function server at `url` (earlier e2e bindings released first). */
export async function createPlaygroundApp(api: APIRequestContext, app: string, url: string): Promise<void> {
  await releaseNamespace(api, "example");
  const created = await api.post("/api/v1/applications", { headers: auth, data: { name: app } });
  expect(created.status(), await created.text()).toBe(201);
  const applied = await api.put(`/api/v1/applications/${app}/module`, { headers: { ...auth, "Content-Type": "application/yaml" }, data: greeterModuleYaml(url) });
  expect(applied.status(), await applied.text()).toBe(200);
}
