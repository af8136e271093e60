import { expect, type APIRequestContext } from "@playwright/test";
import { ADMIN_TOKEN, releaseNamespace } from "./helpers";

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

/** The playground module: example/* served at `url` (examples/functions), and the egress the greeter writes to. */
export const playgroundModule = (url: string) => `kind: io.statefun.endpoints.v2/http
spec:
  functions: example/*
  urlPathTemplate: ${url}
---
kind: io.statefun.playground.v1/egress
spec:
  port: 8091
  topics: [greetings]
`;

/** An application `app` that binds example/* to the function server at `url` (earlier e2e bindings released first). */
export async function createPlaygroundApp(api: APIRequestContext, app: string, url: string): Promise<void> {
  await releaseNamespace(api, "example");
  const created = await api.post("/api/v1/applications", { headers: auth, data: { name: app } });
  expect(created.status(), await created.text()).toBe(201);
  const applied = await api.put(`/api/v1/applications/${app}/module`, { headers: { ...auth, "Content-Type": "application/yaml" }, data: playgroundModule(url) });
  expect(applied.status(), await applied.text()).toBe(200);
}
