import { expect, test, type APIResponse } from "@playwright/test";
import { ADMIN_TOKEN } from "./helpers";

// Input that fails inside Next's router, before any route handler runs, can only be seen against the real
// server: a path segment whose percent-escapes do not decode. proxy.ts answers it with the API's error body.

async function expectErrorBody(res: APIResponse, status: number, code: string): Promise<void> {
  const text = await res.text();
  expect(res.status(), `${res.url()}: ${text.slice(0, 300)}`).toBe(status);
  expect(res.headers()["content-type"]).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message).toMatch(/\w{3,}/);
}

test("a malformed percent-escape in a path segment is a 400 with the error body, with or without credentials", async ({ playwright, baseURL }) => {
  const anonymous = await playwright.request.newContext({ baseURL });
  for (const [method, path] of [
    ["GET", "/api/v1/applications/%ff"],
    ["GET", "/api/v1/jobs/%ff"],
    ["PUT", "/api/v1/ingress/modns/t/%ff"],
    ["GET", "/api/v1/applications/%E0%A4%A"],
    ["GET", "/api/v1/applications/%ed%a0%80"], // a lone surrogate's CESU-8 bytes: not UTF-8
    ["DELETE", "/api/v1/applications/x/endpoints/%c0%af"],
  ] as const) {
    await expectErrorBody(await anonymous.fetch(path, { method }), 400, "bad-request");
    await expectErrorBody(await anonymous.fetch(path, { method, headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }), 400, "bad-request");
  }
  await anonymous.dispose();
});

test("a segment that decodes passes the proxy to the route (the negative control), and its checks answer", async ({ request }) => {
  const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
  // U+20AC, well-formed: the handler looks the application up and does not find it
  await expectErrorBody(await request.get("/api/v1/applications/%e2%82%ac", { headers: auth }), 404, "application-not-found");
  // a NUL decodes, and the route builder refuses it before it reaches Postgres
  await expectErrorBody(await request.get("/api/v1/applications/a%00b", { headers: auth }), 400, "validation-failed");
  await expectErrorBody(await request.get("/api/v1/applications?cursor=%00", { headers: auth }), 400, "validation-failed");
  // without credentials, authentication comes first
  await expectErrorBody(await request.get("/api/v1/applications/%e2%82%ac"), 401, "unauthenticated");
});
