import { z } from "zod";

import { auditActions, type AuditAction } from "@/lib/db/schema";
import { AppError } from "@/lib/errors";
import { decodeCursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, singleValuedParams, validationError } from "@/lib/sessions/list-query";

const auditQuerySchema = z
  .object({
    actor: z
      .string()
      .trim()
      .min(1, "actor must not be empty")
      .max(254, "actor must be at most 254 characters")
      // PostgreSQL text values cannot contain NUL.
      .refine((value) => !value.includes("\u0000"), "actor must not contain NUL characters"),
    action: z.enum(auditActions, { message: `action must be one of ${auditActions.join(", ")}` }),
    limit: z.coerce
      .number({ message: "limit must be a number" })
      .int("limit must be a whole number")
      .min(1, "limit must be between 1 and 200")
      .max(MAX_PAGE_SIZE, "limit must be between 1 and 200"),
    cursor: z.string().max(512, "cursor is invalid"),
  })
  .partial()
  .strict();

/** Query parameters of the audit list. */
export const auditQueryParams = Object.keys(auditQuerySchema.shape);

export interface AuditListQuery {
  actor?: string;
  action?: AuditAction;
  limit: number;
  after: { createdAt: string; id: string } | null;
}

/** Parses the audit list's query string; throws a 422 AppError naming the bad field. */
export function parseAuditQuery(params: URLSearchParams): AuditListQuery {
  const parsed = auditQuerySchema.safeParse(singleValuedParams(params));
  if (!parsed.success) {
    throw validationError(parsed.error);
  }

  const { actor, action, limit, cursor } = parsed.data;
  const after = cursor === undefined ? null : decodeCursor(cursor);
  if (cursor !== undefined && !after) {
    throw new AppError("validation_failed", "cursor is invalid; use next_cursor from the previous page", "cursor");
  }
  return { actor, action, limit: limit ?? DEFAULT_PAGE_SIZE, after };
}
