/** An API answer that was not a success, with the status and the route's error code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** 401 and 403: retrying cannot help; the user has to sign in (again). */
  get needsSignIn(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/**
 * Fetches a route that answers `{ success, data }` or `{ success: false, error }` and returns
 * `data`. A 503 with `success: true` (an unhealthy status report) is data, not an error.
 */
export async function fetchData<T>(url: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: "application/json" }, cache: "no-store" });
  } catch {
    throw new ApiError(0, "network_error", "The console server did not answer. Check your connection.");
  }

  const body = (await response.json().catch(() => null)) as
    | { success: true; data: T }
    | { success: false; error?: { code?: string; message?: string } }
    | null;

  if (body?.success === true) {
    return body.data;
  }
  const code = body?.error?.code ?? "unexpected_response";
  const message = body?.error?.message ?? `The server answered HTTP ${response.status}.`;
  throw new ApiError(response.status, code, message);
}
