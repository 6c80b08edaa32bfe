import type Redis from "ioredis";
import { decode, encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createUser } from "@/lib/users/create-user";

import { ADMIN, startConsoleServer, TEST_AUTH_SECRET, type ConsoleServer } from "../support/console-server";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { CookieJar, getJson, signIn } from "../support/http";
import { connectTestRedis, deleteKeysWithPrefix, REDIS_URL, uniquePrefix } from "../support/redis";

// Forged and stale session cookies, cross-site mutations not covered by admin-access.test.ts,
// security headers, and the attributes of the session cookie over HTTP and HTTPS.

const USER = { email: "plain@example.com", password: "user-password-1" };
const SESSION_COOKIE = "next-auth.session-token";
const SECURE_SESSION_COOKIE = "__Secure-next-auth.session-token";
const OTHER_SECRET = "another-secret-that-is-at-least-32-characters";

let database: TestDatabase;
let server: ConsoleServer;
let redis: Redis;
let prefix = "";
let admin: CookieJar;
let adminId = "";
let userId = "";

beforeAll(async () => {
  database = await createTestDatabase();
  userId = (await createUser(database.connection.db, { ...USER, role: "user" })).id;
  redis = await connectTestRedis();
  prefix = uniquePrefix();
  server = await startConsoleServer({
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    SESSION_BACKEND: "redis",
    HISTORY_TIMER: "off",
  });
  admin = await signInAs(ADMIN);
  adminId = (await getJson(`${server.baseUrl}/api/me`, admin)).body.data.user.id;
});

afterAll(async () => {
  await server?.stop();
  if (redis) {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  }
  await database?.drop();
});

async function signInAs(account: { email: string; password: string }): Promise<CookieJar> {
  const jar = await signIn(server.baseUrl, account.email, account.password);
  expect(jar, `sign-in of ${account.email}`).not.toBeNull();
  return jar!;
}

async function decodeSessionToken(jar: CookieJar) {
  const token = await decode({ token: jar.get(SESSION_COOKIE)!, secret: TEST_AUTH_SECRET });
  expect(token?.sid, "session cookie carries a sid").toEqual(expect.any(String));
  return token!;
}

/** Ids of an account's active sessions, newest first. */
async function listSessionIds(email: string): Promise<string[]> {
  const response = await getJson(`${server.baseUrl}/api/admin/sessions?${new URLSearchParams({ email, status: "active" })}`, admin);
  expect(response.status).toBe(200);
  return response.body.data.sessions.map((session: { id: string }) => session.id);
}

async function countAuditEvents(): Promise<number> {
  const response = await getJson(`${server.baseUrl}/api/admin/audit?limit=200`, admin);
  expect(response.status).toBe(200);
  return response.body.data.events.length;
}

/** Changes one character in the middle of the JWE ciphertext, the fourth of its five parts. */
function tamper(jwe: string): string {
  const parts = jwe.split(".");
  const ciphertext = parts[3];
  const index = Math.floor(ciphertext.length / 2);
  const replacement = ciphertext[index] === "A" ? "B" : "A";
  parts[3] = `${ciphertext.slice(0, index)}${replacement}${ciphertext.slice(index + 1)}`;
  return parts.join(".");
}

const cookieHeader = (value: string) => `${SESSION_COOKIE}=${value}`;

async function statusWithCookie(path: string, cookie: string): Promise<{ status: number; location: string }> {
  const response = await fetch(`${server.baseUrl}${path}`, { headers: { cookie }, redirect: "manual" });
  await response.arrayBuffer();
  return { status: response.status, location: response.headers.get("location") ?? "" };
}

async function expectSignedOut(cookie: string): Promise<void> {
  const me = await statusWithCookie("/api/me", cookie);
  const adminRoute = await statusWithCookie("/api/admin/sessions", cookie);
  const adminPage = await statusWithCookie("/admin/sessions", cookie);

  expect(me.status, "GET /api/me").toBe(401);
  expect(adminRoute.status, "GET /api/admin/sessions").toBe(401);
  expect(adminPage.status, "GET /admin/sessions").toBe(307);
  expect(adminPage.location, "GET /admin/sessions redirect").toMatch(/^(https?:\/\/[^/]+)?\/login\?/);
}

describe("forged and stale session cookies", () => {
  it("re-encoded genuine token works", async () => {
    const jar = await signInAs(ADMIN);
    const token = await decodeSessionToken(jar);

    const cookie = cookieHeader(await encode({ token, secret: TEST_AUTH_SECRET }));

    expect((await statusWithCookie("/api/me", cookie)).status).toBe(200);
    expect((await statusWithCookie("/api/admin/sessions", cookie)).status).toBe(200);
    expect((await statusWithCookie("/admin/sessions", cookie)).status).toBe(200);
  });

  it("tampered JWT is signed out", async () => {
    const jar = await signInAs(ADMIN);

    await expectSignedOut(cookieHeader(tamper(jar.get(SESSION_COOKIE)!)));
    expect((await getJson(`${server.baseUrl}/api/me`, jar)).status, "the genuine cookie").toBe(200);
  });

  it("JWT with another secret is signed out", async () => {
    const jar = await signInAs(ADMIN);
    const token = await decodeSessionToken(jar);

    await expectSignedOut(cookieHeader(await encode({ token, secret: OTHER_SECRET })));
  });

  it("revoked session is signed out", async () => {
    const jar = await signInAs(ADMIN);
    const [sessionId] = await listSessionIds(ADMIN.email);
    expect((await getJson(`${server.baseUrl}/api/me`, jar)).status).toBe(200);

    const revoked = await fetch(`${server.baseUrl}/api/admin/sessions/${sessionId}`, { method: "DELETE", headers: { cookie: admin.header() } });

    expect(revoked.status).toBe(200);
    await expectSignedOut(jar.header());
  });

  it("own sub with admin's sid is signed out", async () => {
    const user = await signInAs(USER);
    const adminToken = await decodeSessionToken(await signInAs(ADMIN));
    const userToken = await decodeSessionToken(user);

    const forged = await encode({ token: { ...userToken, sid: adminToken.sid, role: "admin" }, secret: TEST_AUTH_SECRET });

    expect(userToken.sub).toBe(userId);
    await expectSignedOut(cookieHeader(forged));
  });

  it("admin's sub with own sid is signed out", async () => {
    const user = await signInAs(USER);
    const userToken = await decodeSessionToken(user);

    const forged = await encode({ token: { ...userToken, sub: adminId, email: ADMIN.email, role: "admin" }, secret: TEST_AUTH_SECRET });

    await expectSignedOut(cookieHeader(forged));
    expect((await getJson(`${server.baseUrl}/api/me`, user)).status, "the genuine cookie").toBe(200);
  });
});

// Headers a browser sends on a request from another site.
const CROSS_SITE_HEADERS: Array<[string, Record<string, string>]> = [
  ["Origin of another site", { origin: "https://evil.example" }],
  ["Sec-Fetch-Site cross-site", { "sec-fetch-site": "cross-site" }],
];

async function csrfToken(jar: CookieJar): Promise<string> {
  const response = await fetch(`${server.baseUrl}/api/auth/csrf`, { headers: { cookie: jar.header() } });
  jar.store(response);
  return ((await response.json()) as { csrfToken: string }).csrfToken;
}

describe.each(CROSS_SITE_HEADERS)("cross-site mutations with %s", (_name, crossSite) => {
  async function send(path: string, method: string, jar: CookieJar, body?: { json?: unknown; form?: URLSearchParams }) {
    const headers: Record<string, string> = { ...crossSite, cookie: jar.header() };
    let payload: string | undefined;
    if (body?.json !== undefined) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(body.json);
    }
    if (body?.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      payload = body.form.toString();
    }
    const response = await fetch(`${server.baseUrl}${path}`, { method, headers, body: payload, redirect: "manual" });
    return { status: response.status, body: await response.json().catch(() => null), setCookie: response.headers.getSetCookie() };
  }

  it("POST password returns 403", async () => {
    const user = await signInAs(USER);
    const auditBefore = await countAuditEvents();

    const response = await send("/api/account/password", "POST", user, {
      json: { current_password: USER.password, new_password: "changed-password-1" },
    });

    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("forbidden");
    expect(await signIn(server.baseUrl, USER.email, USER.password), "old password still works").not.toBeNull();
    expect((await getJson(`${server.baseUrl}/api/me`, user)).status, "the session").toBe(200);
    expect(await countAuditEvents()).toBe(auditBefore);
  });

  it("DELETE own session returns 403", async () => {
    const other = await signInAs(USER);
    const [otherSessionId] = await listSessionIds(USER.email);
    const user = await signInAs(USER);

    const response = await send(`/api/account/sessions/${otherSessionId}`, "DELETE", user);

    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("forbidden");
    expect((await getJson(`${server.baseUrl}/api/me`, other)).status, "the other session").toBe(200);
  });

  it("PATCH user role returns 403", async () => {
    const user = await signInAs(USER);
    const auditBefore = await countAuditEvents();

    const response = await send(`/api/admin/users/${userId}`, "PATCH", admin, { json: { role: "admin" } });

    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("forbidden");
    const me = await getJson(`${server.baseUrl}/api/me`, user);
    expect(me.status, "the user's session").toBe(200);
    expect(me.body.data.user.role).toBe("user");
    expect(await countAuditEvents()).toBe(auditBefore);
  });

  it.each<[string, string, string, unknown]>([
    ["POST index repair", "/api/admin/store-repair", "POST", { dry_run: false }],
    ["PATCH alert rule", "/api/admin/alerts/rules/active_sessions_high", "PATCH", { enabled: false }],
    ["PUT alert webhook", "/api/admin/alerts/webhook", "PUT", { url: "https://example.com/hook" }],
    ["POST test alert", "/api/admin/alerts/test", "POST", {}],
  ])("%s returns 403", async (_name, path, method, json) => {
    const auditBefore = await countAuditEvents();

    const response = await send(path, method, admin, { json });

    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("forbidden");
    expect(await countAuditEvents()).toBe(auditBefore);
  });

  it("POST sign-in returns 403", async () => {
    const jar = new CookieJar();
    const form = new URLSearchParams({ csrfToken: await csrfToken(jar), email: USER.email, password: USER.password });
    const sessionsBefore = (await listSessionIds(USER.email)).length;

    const response = await send("/api/auth/callback/credentials", "POST", jar, { form });

    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("forbidden");
    expect(response.setCookie.some((line) => line.startsWith(`${SESSION_COOKIE}=`)), "no session cookie").toBe(false);
    expect((await listSessionIds(USER.email)).length).toBe(sessionsBefore);
  });

  it("POST sign-out returns 403", async () => {
    const user = await signInAs(USER);
    const form = new URLSearchParams({ csrfToken: await csrfToken(user) });

    const response = await send("/api/auth/signout", "POST", user, { form });

    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("forbidden");
    expect((await getJson(`${server.baseUrl}/api/me`, user)).status, "the session").toBe(200);
  });
});

/** Directives of a Content-Security-Policy header, by name. */
function parsePolicy(header: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const directive of header.split(";")) {
    const [name, ...values] = directive.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), values);
  }
  return directives;
}

describe("security headers", () => {
  it.each<[string, string, "admin" | "none", number]>([
    ["sign-in page", "/login", "none", 200],
    ["admin page", "/admin/sessions", "admin", 200],
    ["JSON route", "/api/me", "admin", 200],
    ["JSON error", "/api/me", "none", 401],
    ["session-health route", "/admin/session-health/statistics", "admin", 200],
  ])("%s sets them", async (_name, path, caller, status) => {
    const response = await fetch(`${server.baseUrl}${path}`, {
      headers: caller === "admin" ? { cookie: admin.header() } : {},
      redirect: "manual",
    });
    await response.arrayBuffer();
    const policy = parsePolicy(response.headers.get("content-security-policy") ?? "");
    const scriptSources = policy.get("script-src") ?? policy.get("default-src");

    expect(response.status).toBe(status);
    expect(scriptSources, "script-src or default-src").toBeDefined();
    expect(scriptSources).not.toContain("'unsafe-inline'");
    expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("referrer-policy")).toMatch(/^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)$/);
  });
});

/** Signs in and returns the Set-Cookie lines of the credentials callback. */
async function signInSetCookies(baseUrl: string, headers: Record<string, string> = {}): Promise<string[]> {
  const jar = new CookieJar();
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`, { headers });
  jar.store(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };

  const response = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/x-www-form-urlencoded", cookie: jar.header() },
    body: new URLSearchParams({ csrfToken, email: USER.email, password: USER.password }),
    redirect: "manual",
  });
  await response.arrayBuffer();
  return response.headers.getSetCookie();
}

function cookieAttributes(setCookies: string[], name: string): { value: string; attributes: string[] } {
  const line = setCookies.find((candidate) => candidate.startsWith(`${name}=`));
  expect(line, `Set-Cookie for ${name}`).toBeDefined();
  const [pair, ...attributes] = line!.split(";").map((part) => part.trim());
  return { value: pair.slice(name.length + 1), attributes: attributes.map((attribute) => attribute.toLowerCase()) };
}

describe("session cookie attributes", () => {
  it("HTTP cookie is HttpOnly and Lax", async () => {
    const setCookies = await signInSetCookies(server.baseUrl);
    const cookie = cookieAttributes(setCookies, SESSION_COOKIE);

    expect(cookie.attributes).toContain("httponly");
    expect(cookie.attributes).toContain("samesite=lax");
    expect(cookie.attributes).toContain("path=/");
    expect(cookie.attributes).not.toContain("secure");
  });

  describe("behind HTTPS", () => {
    let httpsDatabase: TestDatabase;
    let httpsServer: ConsoleServer;

    beforeAll(async () => {
      httpsDatabase = await createTestDatabase();
      await createUser(httpsDatabase.connection.db, { ...USER, role: "user" });
      httpsServer = await startConsoleServer({
        DATABASE_URL: httpsDatabase.url,
        SESSION_BACKEND: "database",
        HISTORY_TIMER: "off",
        NEXTAUTH_URL: "https://console.example.test",
      });
    });

    afterAll(async () => {
      await httpsServer?.stop();
      await httpsDatabase?.drop();
    });

    it("HTTPS cookie is Secure too", async () => {
      const setCookies = await signInSetCookies(httpsServer.baseUrl, { "x-forwarded-proto": "https" });
      const cookie = cookieAttributes(setCookies, SECURE_SESSION_COOKIE);

      expect(cookie.attributes).toContain("secure");
      expect(cookie.attributes).toContain("httponly");
      expect(cookie.attributes).toContain("samesite=lax");
      expect(setCookies.some((line) => line.startsWith(`${SESSION_COOKIE}=`)), "no cookie without the prefix").toBe(false);
      const me = await fetch(`${httpsServer.baseUrl}/api/me`, { headers: { cookie: `${SECURE_SESSION_COOKIE}=${cookie.value}` } });
      expect(me.status, "the __Secure- cookie signs in").toBe(200);
    });
  });
});
