import type Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createUser } from "@/lib/users/create-user";

import { ADMIN, startConsoleServer, type ConsoleServer } from "../support/console-server";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { getJson, signIn, type CookieJar } from "../support/http";
import { connectTestRedis, deleteKeysWithPrefix, REDIS_URL, uniquePrefix } from "../support/redis";

// Every route handler gets malformed, oversized and injection-looking input: a table of cases with
// the expected 4xx and the field it names, then a seeded random run. Neither may write anything.

const USER = { email: "plain@example.com", password: "user-password-1" };
const CRON_SECRET = "cron-secret-for-hostile-input";
const METRICS_TOKEN = "metrics-token-for-hostile-input";
const UNKNOWN_ID = "7d0f2b8e-3c1a-4b6e-9f2d-1a2b3c4d5e6f";
const LONG = "x".repeat(10_000);
const NUL = "\u0000";
const SQL_INJECTION = "' OR '1'='1' --";
const REDIS_INJECTION = "*\r\nFLUSHALL\r\nKEYS *";
const UNICODE = "Zoë 👩🏽‍💻 𝔘𝔫𝔦 ١٢٣ \u202Eevil";
const BIG_BODY = JSON.stringify({ padding: "x".repeat(70 * 1024) });

type Caller = "admin" | "user" | "cron" | "metrics";
type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

interface HostileRequest {
  /** Query string without "?", already encoded. */
  query?: string;
  /** Path parameter in place of the route's default, encoded by the test. */
  id?: string;
  json?: unknown;
  raw?: string;
  contentType?: string;
  authorization?: string;
}

/** A 4xx with the field it names (or a pattern its message matches), or a 200 for input that is odd but valid. */
type Expected = { status: number; field?: string; message?: RegExp; empty?: boolean };

type Case = [name: string, request: HostileRequest, expected: Expected];

interface Route {
  method: Method;
  /** Path with ":id" where the route takes one. */
  path: string;
  caller: Caller;
  /** True when a valid request changes state, so the table is checked for writes. */
  mutating: boolean;
  /** The default path parameter: a real id where the case needs the body to be read. */
  id?: () => string;
  cases: Case[];
}

let database: TestDatabase;
let server: ConsoleServer;
let redis: Redis;
let prefix = "";
let admin: CookieJar;
let user: CookieJar;
let userOther: CookieJar;
let userId = "";
let userOtherSessionId = "";
let adminSessionId = "";

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
    CRON_SECRET,
    METRICS_TOKEN,
    HISTORY_TIMER: "off",
  });

  admin = await signInAs(ADMIN);
  userOther = await signInAs(USER);
  user = await signInAs(USER);
  userOtherSessionId = (await listSessionIds(USER.email))[1];
  adminSessionId = (await listSessionIds(ADMIN.email))[0];
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

/** Ids of an account's active sessions, newest first. */
async function listSessionIds(email: string): Promise<string[]> {
  const response = await getJson(`${server.baseUrl}/api/admin/sessions?${new URLSearchParams({ email, status: "active" })}`, admin);
  expect(response.status).toBe(200);
  return response.body.data.sessions.map((session: { id: string }) => session.id);
}

interface HostileResponse {
  status: number;
  contentType: string;
  text: string;
  body: any;
}

async function send(route: Route, request: HostileRequest): Promise<HostileResponse> {
  const id = request.id ?? route.id?.() ?? UNKNOWN_ID;
  let url = `${server.baseUrl}${route.path.replace(":id", encodeURIComponent(id))}`;
  if (request.query !== undefined) url += `?${request.query}`;

  const headers: Record<string, string> = {};
  if (route.caller === "admin") headers.cookie = admin.header();
  if (route.caller === "user") headers.cookie = user.header();
  if (route.caller === "cron") headers.authorization = `Bearer ${CRON_SECRET}`;
  if (route.caller === "metrics") headers.authorization = `Bearer ${METRICS_TOKEN}`;
  if (request.authorization !== undefined) headers.authorization = request.authorization;

  let body: string | undefined = request.raw;
  if (request.json !== undefined) body = JSON.stringify(request.json);
  if (request.contentType !== undefined) headers["content-type"] = request.contentType;
  else if (request.json !== undefined) headers["content-type"] = "application/json";

  const response = await fetch(url, { method: route.method, headers, body, redirect: "manual" });
  const text = await response.text();
  let parsed: any = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Left null, so the checks report the raw body.
  }
  return { status: response.status, contentType: response.headers.get("content-type") ?? "", text, body: parsed };
}

const codeByStatus: Record<number, string> = { 400: "bad_request", 401: "unauthorized", 404: "not_found", 409: "conflict", 422: "validation_failed" };

function expectResponse(response: HostileResponse, expected: Expected): void {
  const summary = `${response.status} ${response.text.slice(0, 300)}`;
  expect(response.status, summary).toBe(expected.status);
  expect(response.contentType, "content type").toMatch(/^application\/json/);
  expect(response.body, "JSON body").not.toBeNull();

  if (expected.status >= 400) {
    expect(response.body.success).toBe(false);
    expect(response.body.error.code).toBe(codeByStatus[expected.status]);
    expect(response.body.error.message).toEqual(expect.any(String));
    expect(response.body.error.field, summary).toBe(expected.field);
    if (expected.message) expect(response.body.error.message).toMatch(expected.message);
  } else {
    expect(response.body.success ?? true).toBe(true);
  }
  if (expected.empty) {
    const items = response.body.data.sessions ?? response.body.data.events;
    expect(items, "no rows for a search that matches nothing").toEqual([]);
  }
}

interface WriteSnapshot {
  totalSessions: number;
  activeSessions: number;
  revokedSessions: number | null;
  auditEvents: number;
}

/** Session counts from the statistics route and the number of audit events. */
async function readWriteSnapshot(): Promise<WriteSnapshot> {
  // The statistics route counts at most once per second per process.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const statistics = await getJson(`${server.baseUrl}/admin/session-health/statistics`, admin);
  const audit = await getJson(`${server.baseUrl}/api/admin/audit?limit=200`, admin);
  expect(statistics.status).toBe(200);
  expect(audit.status).toBe(200);
  expect(audit.body.data.next_cursor, "fewer than 200 audit events").toBeNull();
  return {
    totalSessions: statistics.body.data.total_sessions,
    activeSessions: statistics.body.data.active_sessions,
    revokedSessions: statistics.body.data.revoked_sessions,
    auditEvents: audit.body.data.events.length,
  };
}

async function expectSessionsStillWork(): Promise<void> {
  expect((await getJson(`${server.baseUrl}/api/me`, admin)).status, "admin session").toBe(200);
  expect((await getJson(`${server.baseUrl}/api/me`, user)).status, "user session").toBe(200);
  expect((await getJson(`${server.baseUrl}/api/me`, userOther)).status, "user's other session").toBe(200);
}

const badRequest = (message: RegExp): Expected => ({ status: 400, message });
const invalid = (field: string): Expected => ({ status: 422, field });
const unknownParam = (field: string): Expected => ({ status: 400, field, message: /unknown query parameter/ });

/** Base64url cursor with the given JSON, as a client could forge it. */
function forgedCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

// Query parameters no route takes, for every route.
const UNKNOWN_PARAM_CASES: Case[] = [
  ["unknown parameter", { query: "colour=red" }, unknownParam("colour")],
  ["injection parameter name", { query: q({ [SQL_INJECTION]: "1" }) }, unknownParam(SQL_INJECTION)],
  ["10,000-character parameter name", { query: `${LONG}=1` }, unknownParam(LONG)],
  ["unicode parameter name", { query: q({ [UNICODE]: "1" }) }, unknownParam(UNICODE)],
  ["NUL parameter name", { query: "%00=1" }, unknownParam(NUL)],
];

const LIMIT_CASES: Case[] = [
  ["limit word", { query: "limit=abc" }, invalid("limit")],
  ["limit negative", { query: "limit=-1" }, invalid("limit")],
  ["limit huge", { query: "limit=99999999999999999999999" }, invalid("limit")],
  ["limit infinite", { query: "limit=1e309" }, invalid("limit")],
  ["limit fraction", { query: "limit=1.5" }, invalid("limit")],
  ["limit 10,000 digits", { query: `limit=${"9".repeat(10_000)}` }, invalid("limit")],
  ["limit twice", { query: "limit=5&limit=6" }, invalid("limit")],
];

const CURSOR_CASES: Case[] = [
  ["cursor garbage", { query: "cursor=!!!not-base64!!!" }, invalid("cursor")],
  ["cursor 10,000 characters", { query: `cursor=${LONG}` }, invalid("cursor")],
  ["cursor injection", { query: q({ cursor: forgedCursor({ c: SQL_INJECTION, i: UNKNOWN_ID }) }) }, invalid("cursor")],
  ["cursor year 0", { query: q({ cursor: forgedCursor({ c: "0000-01-01T00:00:00Z", i: UNKNOWN_ID }) }) }, invalid("cursor")],
  ["cursor extra field", { query: q({ cursor: forgedCursor({ c: "2026-01-01T00:00:00Z", i: UNKNOWN_ID, x: 1 }) }) }, invalid("cursor")],
  // PostgreSQL rejects this offset in text, so the route must convert the cursor to UTC.
  ["cursor offset +23:59", { query: q({ cursor: forgedCursor({ c: "2026-01-01T00:00:00+23:59", i: UNKNOWN_ID }) }) }, { status: 200 }],
];

// Bodies that are not a JSON object, for every route that reads one.
const BODY_SHAPE_CASES: Case[] = [
  ["text/plain body", { raw: "{}", contentType: "text/plain" }, badRequest(/Content-Type/)],
  ["form body", { raw: "role=admin", contentType: "application/x-www-form-urlencoded" }, badRequest(/Content-Type/)],
  ["no content type", { raw: "{}" }, badRequest(/Content-Type/)],
  ["malformed JSON", { raw: '{"a":', contentType: "application/json" }, badRequest(/not valid JSON/)],
  ["JSON array", { json: [] }, badRequest(/JSON object/)],
  ["JSON null", { json: null }, badRequest(/JSON object/)],
  ["JSON number", { raw: "1e999", contentType: "application/json" }, badRequest(/JSON object/)],
  ["JSON string", { json: SQL_INJECTION }, badRequest(/JSON object/)],
  ["body over 64 KiB", { raw: BIG_BODY, contentType: "application/json" }, badRequest(/larger than 64 KiB/)],
];

// Bodies sent to routes that take none.
const NO_BODY_CASES: Case[] = [
  ["unknown field", { json: { force: true } }, invalid("force")],
  ["proto field", { raw: '{"__proto__":{"admin":true}}', contentType: "application/json" }, invalid("__proto__")],
  ["text/plain body", { raw: "x", contentType: "text/plain" }, badRequest(/Content-Type/)],
  ["malformed JSON", { raw: "{", contentType: "application/json" }, badRequest(/not valid JSON/)],
  ["JSON array", { json: [1] }, badRequest(/JSON object/)],
  ["body over 64 KiB", { raw: BIG_BODY, contentType: "application/json" }, badRequest(/larger than 64 KiB/)],
];

// Path parameters that are not UUIDs.
const ID_CASES: Case[] = [
  ["id word", { id: "not-a-uuid" }, invalid("id")],
  ["id 10,000 characters", { id: LONG }, invalid("id")],
  ["id injection", { id: SQL_INJECTION }, invalid("id")],
  ["id unicode", { id: UNICODE }, invalid("id")],
  ["id NUL", { id: `${UNKNOWN_ID}${NUL}` }, invalid("id")],
  ["id path traversal", { id: "../../api/me" }, invalid("id")],
  ["id unknown UUID", { id: UNKNOWN_ID }, { status: 404, field: "id" }],
];

const ROUTES: Record<string, Route> = {
  "GET /admin/session-health/status": { method: "GET", path: "/admin/session-health/status", caller: "admin", mutating: false, cases: [] },
  "GET /admin/session-health/statistics": { method: "GET", path: "/admin/session-health/statistics", caller: "admin", mutating: false, cases: [] },
  "GET /api/admin/distribution": { method: "GET", path: "/api/admin/distribution", caller: "admin", mutating: false, cases: [] },
  "GET /api/admin/store-details": { method: "GET", path: "/api/admin/store-details", caller: "admin", mutating: false, cases: [] },
  "GET /api/me": { method: "GET", path: "/api/me", caller: "user", mutating: false, cases: [] },
  "GET /api/health": { method: "GET", path: "/api/health", caller: "user", mutating: false, cases: [] },
  "GET /api/cron/history": {
    method: "GET",
    path: "/api/cron/history",
    caller: "cron",
    mutating: false,
    cases: [
      ["no bearer token", { authorization: "" }, { status: 401 }],
      ["injection bearer token", { authorization: `Bearer ${SQL_INJECTION}` }, { status: 401 }],
      ["10,000-character bearer token", { authorization: `Bearer ${LONG}` }, { status: 401 }],
      ["Latin-1 bearer token", { authorization: "Bearer \u00ff\u00fe" }, { status: 401 }],
    ],
  },
  "GET /api/metrics": {
    method: "GET",
    path: "/api/metrics",
    caller: "metrics",
    mutating: false,
    cases: [
      ["no bearer token", { authorization: "" }, { status: 401 }],
      ["token as Basic", { authorization: `Basic ${METRICS_TOKEN}` }, { status: 401 }],
      ["10,000-character bearer token", { authorization: `Bearer ${LONG}` }, { status: 401 }],
    ],
  },
  "GET /api/admin/history": {
    method: "GET",
    path: "/api/admin/history",
    caller: "admin",
    mutating: false,
    cases: [
      ["range unknown", { query: "range=1y" }, invalid("range")],
      ["range injection", { query: q({ range: `1h${SQL_INJECTION}` }) }, invalid("range")],
      ["range NUL", { query: "range=1h%00" }, invalid("range")],
      ["range 10,000 characters", { query: `range=${LONG}` }, invalid("range")],
      ["range twice", { query: "range=1h&range=7d" }, invalid("range")],
    ],
  },
  "GET /api/admin/sessions": {
    method: "GET",
    path: "/api/admin/sessions",
    caller: "admin",
    mutating: false,
    cases: [
      ...LIMIT_CASES,
      ...CURSOR_CASES,
      ["email NUL", { query: q({ email: `plain${NUL}` }) }, invalid("email")],
      ["email 10,000 characters", { query: q({ email: LONG }) }, invalid("email")],
      ["email empty", { query: "email=" }, invalid("email")],
      ["email SQL injection", { query: q({ email: SQL_INJECTION }) }, { status: 200, empty: true }],
      ["email Redis injection", { query: q({ email: REDIS_INJECTION }) }, { status: 200, empty: true }],
      ["email LIKE wildcard", { query: q({ email: "%" }) }, { status: 200, empty: true }],
      ["email unicode", { query: q({ email: UNICODE }) }, { status: 200, empty: true }],
      ["status injection", { query: q({ status: `active${SQL_INJECTION}` }) }, invalid("status")],
      ["status twice", { query: "status=active&status=revoked" }, invalid("status")],
      ["ip injection", { query: q({ ip: `10.0.0.1${SQL_INJECTION}` }) }, invalid("ip")],
      ["ip negative prefix", { query: q({ ip: "10.0.0.0/-1" }) }, invalid("ip")],
      ["ip zone id", { query: q({ ip: "fe80::1%eth0" }) }, invalid("ip")],
      ["ip 10,000 characters", { query: q({ ip: LONG }) }, invalid("ip")],
      ["browser NUL", { query: q({ browser: `Chrome${NUL}` }) }, invalid("browser")],
      ["browser SQL injection", { query: q({ browser: "Chrome'; DROP TABLE sessions; --" }) }, { status: 200, empty: true }],
      ["os 10,000 characters", { query: q({ os: LONG }) }, invalid("os")],
      ["created_after year 0", { query: q({ created_after: "0000-01-01T00:00:00Z" }) }, invalid("created_after")],
      ["created_after before year 1", { query: q({ created_after: "0001-01-01T00:00:00+14:00" }) }, invalid("created_after")],
      ["created_after word", { query: q({ created_after: "yesterday" }) }, invalid("created_after")],
      ["created_after year 9999", { query: q({ created_after: "9999-12-31T23:59:59Z" }) }, { status: 200, empty: true }],
      ["created_before February 30", { query: q({ created_before: "2026-02-30T00:00:00Z" }) }, invalid("created_before")],
      ["user_id injection", { query: q({ user_id: "1 OR 1=1" }) }, invalid("user_id")],
      ["user_id nil UUID", { query: q({ user_id: "00000000-0000-0000-0000-000000000000" }) }, { status: 200, empty: true }],
    ],
  },
  "GET /api/account/sessions": {
    method: "GET",
    path: "/api/account/sessions",
    caller: "user",
    mutating: false,
    cases: [
      ...LIMIT_CASES,
      ...CURSOR_CASES,
      ["filter parameter", { query: q({ user_id: UNKNOWN_ID }) }, unknownParam("user_id")],
      ["status parameter", { query: q({ status: "revoked" }) }, unknownParam("status")],
    ],
  },
  "GET /api/admin/audit": {
    method: "GET",
    path: "/api/admin/audit",
    caller: "admin",
    mutating: false,
    cases: [
      ...LIMIT_CASES,
      ...CURSOR_CASES,
      ["actor NUL", { query: q({ actor: `admin${NUL}` }) }, invalid("actor")],
      ["actor 10,000 characters", { query: q({ actor: LONG }) }, invalid("actor")],
      ["actor SQL injection", { query: q({ actor: SQL_INJECTION }) }, { status: 200, empty: true }],
      ["actor unicode", { query: q({ actor: UNICODE }) }, { status: 200, empty: true }],
      ["action injection", { query: q({ action: `session.sign_out${SQL_INJECTION}` }) }, invalid("action")],
      ["action 10,000 characters", { query: q({ action: LONG }) }, invalid("action")],
    ],
  },
  "POST /api/account/password": {
    method: "POST",
    path: "/api/account/password",
    caller: "user",
    mutating: true,
    cases: [
      ...BODY_SHAPE_CASES,
      ["empty object", { json: {} }, invalid("current_password")],
      ["unknown field", { json: { current_password: "x", new_password: "long-enough-1", role: "admin" } }, invalid("role")],
      ["current_password number", { json: { current_password: 123, new_password: "long-enough-1" } }, invalid("current_password")],
      ["new_password array", { json: { current_password: "x", new_password: ["long-enough-1"] } }, invalid("new_password")],
      ["new_password object", { json: { current_password: "x", new_password: { $ne: "" } } }, invalid("new_password")],
      ["new_password too short", { json: { current_password: "x", new_password: "short" } }, invalid("new_password")],
      ["new_password 10,000 characters", { json: { current_password: "x", new_password: LONG } }, invalid("new_password")],
      ["current_password 10,000 characters", { json: { current_password: LONG, new_password: "long-enough-1" } }, invalid("current_password")],
      ["current_password injection", { json: { current_password: SQL_INJECTION, new_password: "long-enough-1" } }, invalid("current_password")],
      ["current_password NUL", { json: { current_password: NUL, new_password: "long-enough-1" } }, invalid("current_password")],
      ["current_password unicode", { json: { current_password: UNICODE, new_password: "long-enough-1" } }, invalid("current_password")],
      [
        "deeply nested value",
        { raw: `{"current_password":${"[".repeat(5000)}${"]".repeat(5000)},"new_password":"long-enough-1"}`, contentType: "application/json" },
        invalid("current_password"),
      ],
    ],
  },
  "DELETE /api/account/sessions/:id": {
    method: "DELETE",
    path: "/api/account/sessions/:id",
    caller: "user",
    mutating: true,
    id: () => userOtherSessionId,
    cases: [
      ...ID_CASES,
      ["another user's session", { id: "ADMIN_SESSION" }, { status: 404, field: "id" }],
      // The default id is the user's own other session, so only the body check stops the sign-out.
      ...NO_BODY_CASES,
    ],
  },
  "DELETE /api/admin/sessions/:id": {
    method: "DELETE",
    path: "/api/admin/sessions/:id",
    caller: "admin",
    mutating: true,
    id: () => userOtherSessionId,
    cases: [...ID_CASES, ...NO_BODY_CASES],
  },
  "POST /api/account/sessions/revoke-others": {
    method: "POST",
    path: "/api/account/sessions/revoke-others",
    caller: "user",
    mutating: true,
    cases: NO_BODY_CASES,
  },
  "POST /api/admin/sessions/revoke": {
    method: "POST",
    path: "/api/admin/sessions/revoke",
    caller: "admin",
    mutating: true,
    cases: [
      ...BODY_SHAPE_CASES,
      ["filter array", { json: { filter: [] } }, invalid("filter")],
      ["filter null", { json: { filter: null } }, invalid("filter")],
      ["filter string", { json: { filter: SQL_INJECTION } }, invalid("filter")],
      ["filter.email NUL", { json: { filter: { email: `plain${NUL}` } } }, invalid("filter.email")],
      ["filter.email 10,000 characters", { json: { filter: { email: LONG } } }, invalid("filter.email")],
      ["filter.email number", { json: { filter: { email: 5 } } }, invalid("filter.email")],
      ["filter.browser object", { json: { filter: { browser: { $ne: null } } } }, invalid("filter.browser")],
      ["filter.status injection", { json: { filter: { status: `active${SQL_INJECTION}` } } }, invalid("filter.status")],
      ["filter.user_id injection", { json: { filter: { user_id: "1 OR 1=1" } } }, invalid("filter.user_id")],
      ["filter.created_after year 0", { json: { filter: { created_after: "0000-01-01T00:00:00Z" } } }, invalid("filter.created_after")],
      ["filter.ip unicode", { json: { filter: { ip: UNICODE } } }, invalid("filter.ip")],
      ["dry_run number", { json: { filter: {}, dry_run: 1 } }, invalid("dry_run")],
      ["except_current null", { json: { filter: {}, except_current: null } }, invalid("except_current")],
      ["proto field", { raw: '{"filter":{},"__proto__":{"dry_run":true}}', contentType: "application/json" }, invalid("__proto__")],
      [
        "dry run email injection",
        { json: { filter: { email: SQL_INJECTION }, dry_run: true } },
        { status: 200 },
      ],
    ],
  },
  "PATCH /api/admin/users/:id": {
    method: "PATCH",
    path: "/api/admin/users/:id",
    caller: "admin",
    mutating: true,
    id: () => userId,
    cases: [
      ...ID_CASES.map(([name, request, expected]): Case => [name, { ...request, json: { role: "user" } }, expected]),
      ...BODY_SHAPE_CASES,
      ["empty object", { json: {} }, invalid("role")],
      ["role unknown", { json: { role: "superuser" } }, invalid("role")],
      ["role injection", { json: { role: `admin${SQL_INJECTION}` } }, invalid("role")],
      ["role uppercase", { json: { role: "ADMIN" } }, invalid("role")],
      ["role number", { json: { role: 1 } }, invalid("role")],
      ["role array", { json: { role: ["admin"] } }, invalid("role")],
      ["role NUL", { json: { role: `admin${NUL}` } }, invalid("role")],
      ["role 10,000 characters", { json: { role: LONG } }, invalid("role")],
      // "user" is the current role, so even a missed check would change nothing.
      ["unknown field", { json: { role: "user", is_admin: true } }, invalid("is_admin")],
    ],
  },
  "GET /api/admin/alerts": { method: "GET", path: "/api/admin/alerts", caller: "admin", mutating: false, cases: [] },
  "PATCH /api/admin/alerts/rules/:id": {
    method: "PATCH",
    path: "/api/admin/alerts/rules/:id",
    caller: "admin",
    mutating: true,
    id: () => "active_sessions_high",
    cases: [
      ["id unknown", { id: "not_a_rule", json: { enabled: true } }, { status: 404, field: "id" }],
      ["id injection", { id: SQL_INJECTION, json: { enabled: true } }, { status: 404, field: "id" }],
      ["id 10,000 characters", { id: LONG, json: { enabled: true } }, { status: 404, field: "id" }],
      ...BODY_SHAPE_CASES,
      ["enabled string", { json: { enabled: "yes" } }, invalid("enabled")],
      ["threshold string", { json: { threshold: "5" } }, invalid("threshold")],
      ["threshold huge", { raw: '{"threshold":1e999}', contentType: "application/json" }, invalid("threshold")],
      ["threshold negative", { json: { threshold: -1 } }, invalid("threshold")],
      ["duration fraction", { json: { duration_seconds: 1.5 } }, invalid("duration_seconds")],
      ["duration huge", { json: { duration_seconds: 10 ** 12 } }, invalid("duration_seconds")],
      ["cooldown negative", { json: { cooldown_seconds: -60 } }, invalid("cooldown_seconds")],
      ["window injection", { json: { window_seconds: SQL_INJECTION } }, invalid("window_seconds")],
      ["unknown field", { json: { enabled: true, severity: "high" } }, invalid("severity")],
    ],
  },
  "PUT /api/admin/alerts/webhook": {
    method: "PUT",
    path: "/api/admin/alerts/webhook",
    caller: "admin",
    mutating: true,
    cases: [
      ...BODY_SHAPE_CASES,
      ["url missing", { json: {} }, invalid("url")],
      ["url number", { json: { url: 5 } }, invalid("url")],
      ["url javascript", { json: { url: "javascript:alert(1)" } }, invalid("url")],
      ["url file", { json: { url: "file:///etc/passwd" } }, invalid("url")],
      ["url 10,000 characters", { json: { url: `https://example.com/${LONG}` } }, invalid("url")],
      ["url NUL", { json: { url: `https://example.com/${NUL}` } }, invalid("url")],
      ["format unknown", { json: { url: null, format: "teams" } }, invalid("format")],
      ["unknown field", { json: { url: null, secret: "x" } }, invalid("secret")],
    ],
  },
  "POST /api/admin/alerts/test": {
    method: "POST",
    path: "/api/admin/alerts/test",
    caller: "admin",
    mutating: true,
    cases: [...BODY_SHAPE_CASES, ["unknown field", { json: { url: "https://example.com/" } }, invalid("url")]],
  },
  "POST /api/admin/store-repair": {
    method: "POST",
    path: "/api/admin/store-repair",
    caller: "admin",
    mutating: true,
    cases: [
      ...BODY_SHAPE_CASES,
      ["dry_run string", { json: { dry_run: "false" } }, invalid("dry_run")],
      ["dry_run number", { json: { dry_run: 0 } }, invalid("dry_run")],
      ["dry_run null", { json: { dry_run: null } }, invalid("dry_run")],
      ["dry_run injection", { json: { dry_run: SQL_INJECTION } }, invalid("dry_run")],
      // A dry run even if the field were read, so a missed check would change nothing.
      ["unknown field", { json: { dry_run: true, force: true } }, invalid("force")],
    ],
  },
};

function resolveRequest(request: HostileRequest): HostileRequest {
  return request.id === "ADMIN_SESSION" ? { ...request, id: adminSessionId } : request;
}

describe.each(Object.entries(ROUTES))("%s hostile input", (_name, route) => {
  let before: WriteSnapshot;

  beforeAll(async () => {
    if (route.mutating) before = await readWriteSnapshot();
  });

  it.each([...UNKNOWN_PARAM_CASES, ...route.cases])("%s", async (_case, request, expected) => {
    const response = await send(route, resolveRequest(request));

    expect(response.status, "never a server error").toBeLessThan(500);
    expectResponse(response, expected);
  });

  if (route.mutating) {
    it("writes nothing", async () => {
      expect(await readWriteSnapshot()).toEqual(before);
      await expectSessionsStillWork();
    });
  }
});

// next-auth's endpoints respond with redirects and their own JSON, so these checks are the status,
// the redirect to the sign-in page with the wrong-credentials code, and that no session starts.
describe("sign-in hostile input", () => {
  let before: WriteSnapshot;
  let address = 0;

  beforeAll(async () => {
    before = await readWriteSnapshot();
  });

  /** Sends one sign-in from its own documentation address, so the per-address lockout never triggers. */
  async function postCredentials(body: string, contentType: string) {
    const csrf = await fetch(`${server.baseUrl}/api/auth/csrf`);
    const csrfCookie = csrf.headers.getSetCookie().map((line) => line.split(";")[0]).join("; ");
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };

    address += 1;
    const response = await fetch(`${server.baseUrl}/api/auth/callback/credentials`, {
      method: "POST",
      headers: { "content-type": contentType, cookie: csrfCookie, "x-forwarded-for": `192.0.2.${address}` },
      body: body.replace("CSRF_TOKEN", encodeURIComponent(csrfToken)),
      redirect: "manual",
    });
    await response.arrayBuffer();
    return { status: response.status, location: response.headers.get("location") ?? "", setCookies: response.headers.getSetCookie() };
  }

  it.each<[string, string, string]>([
    ["email NUL", `plain${NUL}@example.com`, USER.password],
    ["email 10,000 characters", LONG, USER.password],
    ["email SQL injection", `${USER.email}${SQL_INJECTION}`, USER.password],
    ["email Redis injection", REDIS_INJECTION, USER.password],
    ["email unicode", UNICODE, USER.password],
    ["password 10,000 characters", USER.email, LONG],
    ["password injection", USER.email, SQL_INJECTION],
  ])("%s is a failed sign-in", async (_name, email, password) => {
    const form = `csrfToken=CSRF_TOKEN&${new URLSearchParams({ email, password })}`;

    const response = await postCredentials(form, "application/x-www-form-urlencoded");

    expect(response.status).toBe(302);
    expect(response.location).toContain("error=CredentialsSignin");
    expect(response.setCookies.some((line) => line.startsWith("next-auth.session-token=")), "no session cookie").toBe(false);
  });

  it.each<[string, string, string]>([
    ["malformed form body", "csrfToken=CSRF_TOKEN&email=%%%&password=%", "application/x-www-form-urlencoded"],
    ["JSON body", `{"csrfToken":"CSRF_TOKEN","email":${JSON.stringify(USER.email)}}`, "application/json"],
    ["text body", "CSRF_TOKEN", "text/plain"],
  ])("%s is not a server error", async (_name, body, contentType) => {
    const response = await postCredentials(body, contentType);

    expect(response.status).toBeLessThan(500);
    expect(response.setCookies.some((line) => line.startsWith("next-auth.session-token=")), "no session cookie").toBe(false);
  });

  it("writes nothing", async () => {
    expect(await readWriteSnapshot()).toEqual(before);
    await expectSessionsStillWork();
  });
});

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with the same seed. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FUZZ_SEED = 20_260_131;
const FUZZ_INPUTS_PER_ROUTE = 60;

// Characters that break parsers: quotes, escapes, wildcards, control characters, CRLF,
// right-to-left override, astral characters and a lone surrogate (kept out of URLs, which cannot encode it).
const FUZZ_CHARACTERS = ["a", "Z", "0", "9", "-", ":", ".", "/", "%", "_", "'", '"', "\\", ";", "*", "?", "&", "=", "#", " ", "\u0000", "\r\n", "\u202e", "é", "漢", "👩🏽‍💻", "{", "}", "[", "]"];
const FUZZ_TIMES = ["0000-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "2026-01-01T00:00:00+23:59", "2026-02-30T00:00:00Z", "9999-12-31T23:59:59.999Z"];
const FUZZ_KEYWORDS = [
  SQL_INJECTION,
  REDIS_INJECTION,
  "null",
  "true",
  "-1",
  "1e309",
  "NaN",
  "__proto__",
  "constructor",
  "active",
  "1h",
  "10.0.0.0/8",
  ...FUZZ_TIMES,
  ...FUZZ_TIMES.map((time) => forgedCursor({ c: time, i: UNKNOWN_ID })),
];

class Fuzzer {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = createRandom(seed);
  }

  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  text({ longLength = 10_000, allowLoneSurrogate = false } = {}): string {
    if (this.chance(0.2)) return this.pick(FUZZ_KEYWORDS);
    const length = this.chance(0.05) ? longLength : this.int(40);
    let text = "";
    while (text.length < length) text += this.pick(FUZZ_CHARACTERS);
    return allowLoneSurrogate && this.chance(0.1) ? `${text}\ud800` : text;
  }

  uuid(): string {
    const hex = Array.from({ length: 32 }, () => this.int(16).toString(16)).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
  }

  value(depth = 0): unknown {
    switch (this.int(depth > 2 ? 5 : 7)) {
      case 0:
        return this.text({ allowLoneSurrogate: true });
      case 1:
        return this.pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, 200, 201]);
      case 2:
        return this.pick([true, false, null]);
      case 3:
        return this.uuid();
      case 4:
        return this.pick(FUZZ_TIMES);
      case 5:
        return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
      default:
        return this.object(["email", "status", "ip", "user_id", "browser", "role", "filter"], depth + 1);
    }
  }

  object(fields: readonly string[], depth = 0): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    const count = this.int(4);
    for (let index = 0; index < count; index++) {
      const key = this.chance(0.7) && fields.length > 0 ? this.pick(fields) : this.text();
      object[key] = this.value(depth);
    }
    return object;
  }
}

// Body fields and query parameters that each route takes, so the fuzzer mixes valid names with random ones.
const FUZZ_FIELDS: Record<string, { query: string[]; body: string[] }> = {
  "GET /api/admin/sessions": { query: ["email", "status", "ip", "browser", "os", "created_after", "created_before", "user_id", "limit", "cursor"], body: [] },
  "GET /api/account/sessions": { query: ["limit", "cursor"], body: [] },
  "GET /api/admin/audit": { query: ["actor", "action", "limit", "cursor"], body: [] },
  "GET /api/admin/history": { query: ["range"], body: [] },
  "POST /api/account/password": { query: [], body: ["current_password", "new_password"] },
  "POST /api/admin/sessions/revoke": { query: [], body: ["filter", "except_current", "dry_run"] },
  "PATCH /api/admin/users/:id": { query: [], body: ["role"] },
  "POST /api/admin/store-repair": { query: [], body: ["dry_run"] },
  "PATCH /api/admin/alerts/rules/:id": { query: [], body: ["enabled", "threshold", "duration_seconds", "window_seconds", "cooldown_seconds"] },
  "PUT /api/admin/alerts/webhook": { query: [], body: ["url", "format"] },
};

/**
 * Builds one random request. Inputs that could be valid and change something are steered away
 * from it. The bulk sign-out and the index repair are always dry runs, and a role is never a real one. Ids never name a
 * real session, and revoke-others always gets a field or a parameter that it does not take.
 */
function fuzzRequest(fuzzer: Fuzzer, name: string, route: Route): HostileRequest {
  const fields = FUZZ_FIELDS[name] ?? { query: [], body: [] };
  const request: HostileRequest = {};

  if (fuzzer.chance(0.5)) {
    // Node.js responds 431 without the app for a request line over 16 KiB, and a percent-encoded
    // character takes up to 12 bytes, so query strings stay shorter than bodies.
    const params = new URLSearchParams();
    const count = 1 + fuzzer.int(3);
    for (let index = 0; index < count; index++) {
      const key = fuzzer.chance(0.7) && fields.query.length > 0 ? fuzzer.pick(fields.query) : fuzzer.text({ longLength: 400 });
      params.append(key, fuzzer.text({ longLength: 400 }));
    }
    request.query = params.toString();
  }

  if (route.path.includes(":id")) {
    request.id = fuzzer.chance(0.5) ? fuzzer.uuid() : fuzzer.text({ longLength: 1000 });
    // "", "." and ".." would name another path, which URL normalization or Next.js redirects to.
    if (/^\.*$/.test(request.id)) request.id += "x";
  }

  if (route.caller === "cron" || route.caller === "metrics") {
    request.authorization = fuzzer.pick(["", "Bearer ", "Bearer x", "Basic abc", `Bearer ${"y".repeat(fuzzer.int(2000))}`]);
  }

  if (route.method !== "GET" && fuzzer.chance(0.8)) {
    const shape = fuzzer.int(3);
    if (shape === 0) request.raw = fuzzer.text();
    else if (shape === 1) request.json = fuzzer.value();
    else request.json = fuzzer.object(fields.body);
    request.contentType = fuzzer.pick(["application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded"]);
  }

  steerAwayFromWrites(name, request);
  return request;
}

function steerAwayFromWrites(name: string, request: HostileRequest): void {
  const body = request.json;
  const isObject = typeof body === "object" && body !== null && !Array.isArray(body);

  if (name === "POST /api/admin/sessions/revoke" && isObject) {
    const object = body as Record<string, unknown>;
    if (typeof object.dry_run === "boolean" || !("dry_run" in object)) object.dry_run = true;
  }
  if (name === "PATCH /api/admin/alerts/rules/:id" && isObject) {
    // A valid change would be written, so every fuzzed change carries a field no rule takes.
    (body as Record<string, unknown>).fuzz = true;
  }
  if (name === "PUT /api/admin/alerts/webhook" && isObject) {
    (body as Record<string, unknown>).fuzz = true;
  }
  if (name === "POST /api/admin/alerts/test" && isObject) {
    (body as Record<string, unknown>).fuzz = true;
  }
  if (name === "POST /api/admin/store-repair" && isObject) {
    const object = body as Record<string, unknown>;
    if (object.dry_run === false) object.dry_run = true;
  }
  if (name === "PATCH /api/admin/users/:id" && isObject) {
    const object = body as Record<string, unknown>;
    if (object.role === "admin" || object.role === "user") object.role = "superuser";
  }
  if (name === "POST /api/account/sessions/revoke-others") {
    const hasUnknownParam = request.query !== undefined && request.query !== "";
    const hasField = isObject && Object.keys(body as object).length > 0;
    if (!hasUnknownParam && !hasField) {
      request.json = { fuzz: true };
      request.raw = undefined;
      request.contentType = "application/json";
    }
  }
}

function describeRequest(request: HostileRequest): string {
  return JSON.stringify(request, (_key, value) => (typeof value === "string" && value.length > 80 ? `${value.slice(0, 80)}… (${value.length})` : value));
}

describe("seeded fuzz run", () => {
  let before: WriteSnapshot;

  beforeAll(async () => {
    before = await readWriteSnapshot();
  });

  it.each(Object.entries(ROUTES).map(([name, route], index) => [name, route, FUZZ_SEED + index] as const))(
    "%s survives fuzzing",
    async (name, route, seed) => {
      const fuzzer = new Fuzzer(seed);

      for (let index = 0; index < FUZZ_INPUTS_PER_ROUTE; index++) {
        const request = fuzzRequest(fuzzer, name, route);
        const response = await send(route, request);
        const context = `seed ${seed} input ${index}: ${describeRequest(request)} -> ${response.status} ${response.text.slice(0, 200)}`;

        expect(response.status, context).toBeLessThan(500);
        expect(response.contentType, context).toMatch(/^application\/json/);
        expect(response.body, context).not.toBeNull();
        if (response.status >= 400) {
          expect(response.body.success, context).toBe(false);
          expect(response.body.error.code, context).toEqual(expect.any(String));
        }
      }
    },
  );

  it("writes nothing", async () => {
    expect(await readWriteSnapshot()).toEqual(before);
    await expectSessionsStillWork();
  });
});
