import { expect, test } from "@playwright/test";
import { ADMIN, ADMIN_TOKEN, createToken, uniqueName } from "./helpers";

// Authorization is checked by calling the API directly: a hidden button proves nothing about the server.

test("a request without credentials is refused with 401", async ({ playwright, baseURL }) => {
  const anonymous = await playwright.request.newContext({ baseURL });
  const res = await anonymous.post("/api/v1/applications", { data: { name: uniqueName("e2e-anon") } });
  expect(res.status()).toBe(401);
  const body = await res.json();
  expect(body.error.code).toBe("unauthenticated");
  expect(typeof body.error.message).toBe("string");
  await anonymous.dispose();
});

test("a viewer token can read but not create applications (403)", async ({ request }) => {
  const viewer = await createToken(request, "viewer");
  const auth = { Authorization: `Bearer ${viewer}` };

  const read = await request.get("/api/v1/applications", { headers: auth });
  expect(read.status()).toBe(200);

  const write = await request.post("/api/v1/applications", { headers: auth, data: { name: uniqueName("e2e-viewer") } });
  expect(write.status()).toBe(403);
  expect((await write.json()).error.code).toBe("forbidden");
});

test("the admin bearer token may create applications (the positive control)", async ({ request }) => {
  const res = await request.post("/api/v1/applications", {
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    data: { name: uniqueName("e2e-token") },
  });
  expect(res.status(), await res.text()).toBe(201);
});

test("a cookie-session mutation needs the X-CSRF-Token header", async ({ playwright, baseURL }) => {
  const session = await playwright.request.newContext({ baseURL });
  const login = await session.post("/api/v1/auth/login", { data: ADMIN });
  expect(login.status(), await login.text()).toBe(200);
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  expect(csrfToken).toBeTruthy();

  const without = await session.post("/api/v1/applications", { data: { name: uniqueName("e2e-csrf") } });
  expect(without.status()).toBe(403);
  expect((await without.json()).error.code).toBe("csrf-failed");

  const wrong = await session.post("/api/v1/applications", {
    headers: { "X-CSRF-Token": "not-the-token" },
    data: { name: uniqueName("e2e-csrf") },
  });
  expect(wrong.status()).toBe(403);
  expect((await wrong.json()).error.code).toBe("csrf-failed");

  // Same session with the header: accepted, so the 403s above were about CSRF and nothing else.
  const withToken = await session.post("/api/v1/applications", {
    headers: { "X-CSRF-Token": csrfToken },
    data: { name: uniqueName("e2e-csrf") },
  });
  expect(withToken.status(), await withToken.text()).toBe(201);
  await session.dispose();
});
