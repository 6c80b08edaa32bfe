/** An API response that was not a success, with the HTTP status, the route's error code and the field it names. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** 401 and 403: retrying cannot help; the user has to sign in (again). */
  get needsSignIn(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

const unreachable = () => new ApiError(0, "network_error", "The console server did not respond. Check your connection.");

/**
 * Returns `data` of a `{ success, data }` body, or throws ApiError with the route's code and
 * message. A 503 with `success: true` (an unhealthy status report) is data, not an error.
 */
export async function readApiResponse<T>(response: Response): Promise<T> {
  const body = (await response.json().catch(() => null)) as
    | { success: true; data: T }
    | { success: false; error?: { code?: string; message?: string; field?: string } }
    | null;

  if (body?.success === true) {
    return body.data;
  }
  const code = body?.error?.code ?? "unexpected_response";
  const message = body?.error?.message ?? `The server answered HTTP ${response.status}.`;
  throw new ApiError(response.status, code, message, body?.error?.field);
}

/** Fetches a JSON route for SWR and returns its `data`. */
export async function fetchData<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: { accept: "application/json" }, cache: "no-store" }).catch(() => {
    throw unreachable();
  });
  return readApiResponse<T>(response);
}

/** Sends a mutation to a JSON route and returns its `data`. */
export async function sendJson<T>(url: string, method: "POST" | "PUT" | "PATCH" | "DELETE", body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";

  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }).catch(() => {
    throw unreachable();
  });
  return readApiResponse<T>(response);
}
