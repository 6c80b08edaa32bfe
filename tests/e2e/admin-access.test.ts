import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createUser } from "@/lib/users/create-user";

import { ADMIN, startConsoleServer, type ConsoleServer } from "../support/console-server";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { getJson, signIn, type CookieJar } from "../support/http";
import { sendJson, type JsonRequest } from "../support/requests";

const USER = { email: "user@example.com", password: "user-password-1" };
const VICTIM = { email: "victim@example.com", password: "victim-password-1" };
const UNKNOWN_ID = "7d0f2b8e-3c1a-4b6e-9f2d-1a2b3c4d5e6f";
const REVOKE = "/api/admin/sessions/revoke";
const REVOKE_OTHERS = "/api/account/sessions/revoke-others";

let database: TestDatabase;
let server: ConsoleServer;
let victimUserId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  await createUser(database.connection.db, { ...USER, role: "user" });
  victimUserId = (await createUser(database.connection.db, { ...VICTIM, role: "user" })).id;
  server = await startConsoleServer({ DATABASE_URL: database.url, SESSION_BACKEND: "database" });
});

afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

async function signInAs(account: { email: string; password: string }): Promise<CookieJar> {
  const jar = await signIn(server.baseUrl, account.email, account.password);
  expect(jar, `sign-in of ${account.email}`).not.toBeNull();
  return jar!;
}

/** Returns the status of the session's next request, to an admin route for admins and to the own session list for users. */
async function nextRequestStatus(jar: CookieJar, role: "admin" | "user"): Promise<number> {
  const path = role === "admin" ? "/admin/session-health/statistics" : "/api/account/sessions";
  return (await getJson(`${server.baseUrl}${path}`, jar)).status;
}

/** Reads the id of an account's newest active session through the admin API. */
async function newestSessionId(adminJar: CookieJar, email: string): Promise<string> {
  const response = await getJson(`${server.baseUrl}/api/admin/sessions?${new URLSearchParams({ email, status: "active" })}`, adminJar);
  expect(response.status).toBe(200);
  return response.body.data.sessions[0].id;
}

// Every admin route and action, with a request that would succeed for an admin.
const ADMIN_ROUTES: Array<[string, string, Omit<JsonRequest, "jar">]> = [
  ["GET status", "/admin/session-health/status", { method: "GET" }],
  ["GET statistics", "/admin/session-health/statistics", { method: "GET" }],
  ["GET sessions", "/api/admin/sessions", { method: "GET" }],
  ["GET audit", "/api/admin/audit", { method: "GET" }],
  ["DELETE session", `/api/admin/sessions/${UNKNOWN_ID}`, { method: "DELETE" }],
  ["POST revoke", REVOKE, { method: "POST", json: { filter: {} } }],
];

describe("admin routes for a user", () => {
  it.each(ADMIN_ROUTES)("%s returns 403", async (_name, path, request) => {
    const user = await signInAs(USER);
    const victim = await signInAs(VICTIM);

    const response = await sendJson(`${server.baseUrl}${path}`, { ...request, jar: user });

    expect(response.status).toBe(403);
    expect(response.body).toEqual({ success: false, error: { code: "forbidden", message: expect.any(String) } });
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await nextRequestStatus(victim, "user"), "another user's session").toBe(200);
    expect(await nextRequestStatus(user, "user"), "the caller's session").toBe(200);
  });
});

describe("admin routes without a session", () => {
  it.each(ADMIN_ROUTES)("%s returns 401", async (_name, path, request) => {
    const victim = await signInAs(VICTIM);

    const response = await sendJson(`${server.baseUrl}${path}`, request);

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ success: false, error: { code: "unauthorized", message: expect.any(String) } });
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await nextRequestStatus(victim, "user"), "another user's session").toBe(200);
  });

  it("account routes return 401", async () => {
    const list = await sendJson(`${server.baseUrl}/api/account/sessions`, { method: "GET" });
    const deleted = await sendJson(`${server.baseUrl}/api/account/sessions/${UNKNOWN_ID}`, { method: "DELETE" });
    const others = await sendJson(`${server.baseUrl}${REVOKE_OTHERS}`, { method: "POST" });

    expect(list.status).toBe(401);
    expect(deleted.status).toBe(401);
    expect(others.status).toBe(401);
  });
});

// Headers a browser sends on a request from another site, and from a sibling site.
const CROSS_SITE_HEADERS: Array<[string, Record<string, string>]> = [
  ["Origin evil.example", { origin: "http://evil.example" }],
  ["Sec-Fetch-Site cross-site", { "sec-fetch-site": "cross-site" }],
  ["Sec-Fetch-Site same-site", { "sec-fetch-site": "same-site" }],
  ["Origin null", { origin: "null" }],
  ["Origin other port", { origin: "http://127.0.0.1:1" }],
  ["same Origin but cross-site", { origin: "SAME", "sec-fetch-site": "cross-site" }],
];

describe("cross-site mutations from an admin", () => {
  it.each(CROSS_SITE_HEADERS)("%s returns 403", async (_name, rawHeaders) => {
    const headers = Object.fromEntries(
      Object.entries(rawHeaders).map(([name, value]) => [name, value === "SAME" ? server.baseUrl : value]),
    );
    const victim = await signInAs(VICTIM);
    const adminOther = await signInAs(ADMIN);
    const admin = await signInAs(ADMIN);
    const victimSessionId = await newestSessionId(admin, VICTIM.email);

    const revoke = await sendJson(`${server.baseUrl}${REVOKE}`, {
      method: "POST",
      jar: admin,
      headers,
      json: { filter: { user_id: victimUserId } },
    });
    const deleted = await sendJson(`${server.baseUrl}/api/admin/sessions/${victimSessionId}`, { method: "DELETE", jar: admin, headers });
    const others = await sendJson(`${server.baseUrl}${REVOKE_OTHERS}`, { method: "POST", jar: admin, headers });

    expect(revoke.status, "POST revoke").toBe(403);
    expect(revoke.body.error.code).toBe("forbidden");
    expect(deleted.status, "DELETE session").toBe(403);
    expect(deleted.body.error.code).toBe("forbidden");
    expect(others.status, "POST revoke-others").toBe(403);
    expect(others.body.error.code).toBe("forbidden");
    expect(await nextRequestStatus(victim, "user"), "victim's session").toBe(200);
    expect(await nextRequestStatus(adminOther, "admin"), "admin's other session").toBe(200);
    expect(await nextRequestStatus(admin, "admin"), "admin's session").toBe(200);
  });

  it("cross-site without session returns 403", async () => {
    const response = await sendJson(`${server.baseUrl}${REVOKE}`, {
      method: "POST",
      headers: { origin: "http://evil.example" },
      json: { filter: {} },
    });

    expect(response.status).toBe(403);
  });
});

describe("same-origin mutations from an admin", () => {
  it.each<[string, () => Record<string, string>]>([
    ["same Origin", () => ({ origin: server.baseUrl })],
    ["Sec-Fetch-Site same-origin", () => ({ "sec-fetch-site": "same-origin", origin: server.baseUrl })],
    ["Sec-Fetch-Site none", () => ({ "sec-fetch-site": "none" })],
  ])("%s works", async (_name, headers) => {
    const victim = await signInAs(VICTIM);
    const admin = await signInAs(ADMIN);
    const victimSessionId = await newestSessionId(admin, VICTIM.email);

    const preview = await sendJson(`${server.baseUrl}${REVOKE}`, {
      method: "POST",
      jar: admin,
      headers: headers(),
      json: { filter: { user_id: victimUserId }, dry_run: true },
    });
    const deleted = await sendJson(`${server.baseUrl}/api/admin/sessions/${victimSessionId}`, {
      method: "DELETE",
      jar: admin,
      headers: headers(),
    });

    expect(preview.status, "POST revoke dry run").toBe(200);
    expect(preview.body.data.dry_run).toBe(true);
    expect(preview.body.data.sessions).toBeGreaterThanOrEqual(1);
    expect(deleted.status, "DELETE session").toBe(200);
    expect(await nextRequestStatus(victim, "user"), "victim's session").toBe(401);
  });

  it("same Origin revoke-others works", async () => {
    const other = await signInAs(USER);
    const current = await signInAs(USER);

    const response = await sendJson(`${server.baseUrl}${REVOKE_OTHERS}`, {
      method: "POST",
      jar: current,
      headers: { origin: server.baseUrl },
    });

    expect(response.status).toBe(200);
    expect(response.body.data.sessions).toBeGreaterThanOrEqual(1);
    expect(await nextRequestStatus(other, "user"), "other session").toBe(401);
    expect(await nextRequestStatus(current, "user"), "current session").toBe(200);
  });
});

describe("revoke request body", () => {
  it.each<[string, Omit<JsonRequest, "jar" | "method">, number, string | undefined]>([
    ["text/plain body", { rawBody: '{"filter":{}}', headers: { "content-type": "text/plain" } }, 400, undefined],
    ["no content type", { rawBody: '{"filter":{}}' }, 400, undefined],
    ["malformed JSON", { rawBody: '{"filter":', headers: { "content-type": "application/json" } }, 400, undefined],
    ["unknown field", { json: { filter: {}, force: true } }, 422, "force"],
    // The validation reports a nested unknown key on its object, and the message names the key.
    ["unknown filter field", { json: { filter: { colour: "red" } } }, 422, "filter.colour"],
    ["missing filter", { json: { dry_run: true } }, 422, "filter"],
    ["invalid CIDR", { json: { filter: { ip: "10.0.0.0/33" } } }, 422, "filter.ip"],
    ["except_current string", { json: { filter: {}, except_current: "yes" } }, 422, "except_current"],
    ["dry_run string", { json: { filter: {}, dry_run: "true" } }, 422, "dry_run"],
  ])("%s rejected", async (_name, request, status, field) => {
    const victim = await signInAs(VICTIM);
    const admin = await signInAs(ADMIN);

    const response = await sendJson(`${server.baseUrl}${REVOKE}`, { ...request, method: "POST", jar: admin });

    expect(response.status).toBe(status);
    expect(response.body.success).toBe(false);
    expect(response.body.error.code).toBe(status === 400 ? "bad_request" : "validation_failed");
    expect(response.body.error.field).toBe(field);
    expect(await nextRequestStatus(victim, "user"), "victim's session").toBe(200);
    expect(await nextRequestStatus(admin, "admin"), "admin's session").toBe(200);
  });
});
