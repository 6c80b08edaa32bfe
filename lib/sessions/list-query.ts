import { isIP } from "node:net";

import { z } from "zod";

import { AppError } from "@/lib/errors";

export const sessionStatuses = ["active", "expired", "revoked"] as const;
export type SessionStatus = (typeof sessionStatuses)[number];

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** True for an IPv4 or IPv6 address, or a network in CIDR notation such as 10.0.0.0/8. */
export function isIpOrCidr(value: string): boolean {
  // Node accepts IPv6 zone ids (fe80::1%eth0); PostgreSQL's inet type does not.
  if (value.includes("%")) return false;
  const [address, prefix, ...rest] = value.split("/");
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}

// PostgreSQL has no year 0 and rejects UTC offsets beyond 15:59, while an ISO 8601 time may
// name year 0000 or +23:59. Times are compared in UTC, within years 1 to 9999.
const earliestTime = Date.parse("0001-01-01T00:00:00Z");
const latestTime = Date.parse("9999-12-31T23:59:59.999Z");

/** True for a time that PostgreSQL can read once it is converted to UTC. */
function isSupportedTime(value: string): boolean {
  const time = Date.parse(value);
  return time >= earliestTime && time <= latestTime;
}

const isoTime = (field: string) =>
  z.iso
    .datetime({ offset: true, message: `${field} must be an ISO 8601 time such as 2026-01-31T12:00:00Z` })
    .refine(isSupportedTime, { message: `${field} must be a time between the years 1 and 9999` });

const shortText = (field: string) =>
  z
    .string()
    .trim()
    .min(1, `${field} must not be empty`)
    .max(100, `${field} must be at most 100 characters`)
    // PostgreSQL text values cannot contain NUL.
    .refine((value) => !value.includes("\u0000"), `${field} must not contain NUL characters`);

/** Filters shared by the session list, the bulk sign-out and the page URL. */
export const sessionFilterSchema = z
  .object({
    email: shortText("email"),
    status: z.enum(sessionStatuses, { message: `status must be one of ${sessionStatuses.join(", ")}` }),
    ip: z.string().trim().refine(isIpOrCidr, { message: "ip must be an IP address or a CIDR network such as 10.0.0.0/8" }),
    browser: shortText("browser"),
    os: shortText("os"),
    created_after: isoTime("created_after"),
    created_before: isoTime("created_before"),
    user_id: z.uuid({ message: "user_id must be a UUID" }),
  }, {
    error: (issue) => (issue.input === undefined ? "filter is required; {} selects every session" : "filter must be an object"),
  })
  .partial()
  .strict();

export type SessionFilter = z.infer<typeof sessionFilterSchema>;

interface Cursor {
  createdAt: string;
  id: string;
}

const cursorSchema = z.object({ c: z.iso.datetime({ offset: true }), i: z.uuid() }).strict();

/** Encodes the (created_at, id) of a page's last row as an opaque keyset cursor. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ c: cursor.createdAt, i: cursor.id })).toString("base64url");
}

export function decodeCursor(value: string): Cursor | null {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(value, "base64url").toString("utf8")));
    if (!parsed.success || !isSupportedTime(parsed.data.c)) return null;
    // The cursor reaches SQL as text, so it is normalized to UTC first (see isSupportedTime).
    return { createdAt: new Date(parsed.data.c).toISOString(), id: parsed.data.i };
  } catch {
    return null;
  }
}

export const listQuerySchema = sessionFilterSchema.extend({
  limit: z.coerce
    .number({ message: "limit must be a number" })
    .int("limit must be a whole number")
    .min(1, "limit must be between 1 and 200")
    .max(MAX_PAGE_SIZE, "limit must be between 1 and 200")
    .default(DEFAULT_PAGE_SIZE),
  cursor: z.string().max(512, "cursor is invalid").optional(),
});

/** Query parameters of the session list. */
export const listQueryParams = Object.keys(listQuerySchema.shape);

export interface ListQuery {
  filter: SessionFilter;
  limit: number;
  cursor: Cursor | null;
}

/** Turns the first zod issue into a 422 that names the field. */
export function validationError(error: z.ZodError): AppError {
  const issue = error.issues[0];
  const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]] : issue.path;
  const field = path.join(".");
  const message =
    issue.code === "unrecognized_keys" ? `unknown field ${issue.keys.map((key) => `"${key}"`).join(", ")}` : issue.message;
  return new AppError("validation_failed", message, field || undefined);
}

/** Turns query parameters into an object; a parameter given twice is a 422 naming it. */
export function singleValuedParams(params: URLSearchParams): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of params) {
    if (key in values) {
      throw new AppError("validation_failed", `${key} is given more than once`, key);
    }
    values[key] = value;
  }
  return values;
}

/** Parses list parameters from a URL's query string; throws a 422 AppError naming the bad field. */
export function parseListQuery(params: URLSearchParams): ListQuery {
  const parsed = listQuerySchema.safeParse(singleValuedParams(params));
  if (!parsed.success) {
    throw validationError(parsed.error);
  }

  const { limit, cursor, ...filter } = parsed.data;
  let decoded: Cursor | null = null;
  if (cursor !== undefined) {
    decoded = decodeCursor(cursor);
    if (!decoded) throw new AppError("validation_failed", "cursor is invalid; use next_cursor from the previous page", "cursor");
  }
  return { filter, limit, cursor: decoded };
}

const pageQuerySchema = listQuerySchema.pick({ limit: true, cursor: true }).strict();

/** Query parameters of a list whose filter the server sets. */
export const pageQueryParams = Object.keys(pageQuerySchema.shape);

/** Parses only `limit` and `cursor`, for lists whose filter the server sets (a user's own sessions). */
export function parsePageQuery(params: URLSearchParams): { limit: number; cursor: Cursor | null } {
  const parsed = pageQuerySchema.safeParse(singleValuedParams(params));
  if (!parsed.success) {
    throw validationError(parsed.error);
  }

  const cursor = parsed.data.cursor === undefined ? null : decodeCursor(parsed.data.cursor);
  if (parsed.data.cursor !== undefined && !cursor) {
    throw new AppError("validation_failed", "cursor is invalid; use next_cursor from the previous page", "cursor");
  }
  return { limit: parsed.data.limit, cursor };
}
