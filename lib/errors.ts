// One error type for every route, with a fixed code-to-status map and one JSON shape:
// { "success": false, "error": { "code", "message", "field"? } }.

const statusByCode = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  validation_failed: 422,
  rate_limited: 429,
  internal: 500,
  store_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof statusByCode;

// Next.js bundles instrumentation, pages and route handlers separately, so one process can hold
// two copies of this class, and `instanceof` fails for an error made by the other copy. The brand
// is shared through the global symbol registry instead.
const appErrorBrand = Symbol.for("session-console.AppError");

export class AppError extends Error {
  readonly status: number;
  readonly [appErrorBrand] = true;

  /** True for an AppError from any copy of this module. */
  static is(error: unknown): error is AppError {
    return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[appErrorBrand] === true;
  }

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "AppError";
    this.status = statusByCode[code];
  }
}

export interface ErrorBody {
  success: false;
  error: { code: ErrorCode; message: string; field?: string };
}

export function errorBody(error: AppError): ErrorBody {
  const body: ErrorBody = { success: false, error: { code: error.code, message: error.message } };
  if (error.field) {
    body.error.field = error.field;
  }
  return body;
}

export const noStoreHeaders = { "Cache-Control": "no-store" } as const;

export function errorResponse(error: AppError): Response {
  return Response.json(errorBody(error), { status: error.status, headers: noStoreHeaders });
}
