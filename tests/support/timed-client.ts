import { CookieJar } from "./http";

/** One request as a fault or soak test saw it; `status` is null when the request failed or timed out. */
export interface TimedResult {
  label: string;
  status: number | null;
  ms: number;
  body: any;
  location: string | null;
  error: string | null;
}

export interface TimedRequest {
  method?: "GET" | "POST" | "DELETE";
  jar?: CookieJar;
  /** Sent as JSON with Content-Type application/json. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

/**
 * Records every request of a test with its status and duration, so that the test can assert on
 * all of them at the end: each one bounded by a client timeout, none left hanging.
 */
export class RequestLog {
  readonly results: TimedResult[] = [];

  constructor(private readonly timeoutMs: number) {}

  /** Sends one request with the client timeout; stores the cookies it sets in the jar. */
  async send(label: string, url: string, request: TimedRequest = {}): Promise<TimedResult> {
    const headers: Record<string, string> = { ...(request.headers ?? {}) };
    if (request.jar) headers.cookie = request.jar.header();
    let body: string | undefined;
    if (request.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(request.json);
    } else if (request.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(request.form).toString();
    }

    const startedAt = performance.now();
    let result: TimedResult;
    try {
      const response = await fetch(url, {
        method: request.method ?? "GET",
        headers,
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      request.jar?.store(response);
      const text = await response.text();
      result = {
        label,
        status: response.status,
        ms: performance.now() - startedAt,
        body: parseJson(text),
        location: response.headers.get("location"),
        error: null,
      };
    } catch (error) {
      result = { label, status: null, ms: performance.now() - startedAt, body: null, location: null, error: String(error) };
    }
    this.results.push(result);
    return result;
  }

  /**
   * Signs in the way scripts do (CSRF token, then the credentials callback), both requests
   * logged. Returns the jar, or null with the failed step's result when sign-in was rejected.
   */
  async signIn(
    baseUrl: string,
    account: { email: string; password: string },
    userAgent: string,
  ): Promise<{ jar: CookieJar | null; result: TimedResult }> {
    const jar = new CookieJar();
    const csrf = await this.send("GET /api/auth/csrf", `${baseUrl}/api/auth/csrf`, { jar });
    if (csrf.status !== 200 || typeof csrf.body?.csrfToken !== "string") {
      return { jar: null, result: csrf };
    }

    const callback = await this.send("POST /api/auth/callback/credentials", `${baseUrl}/api/auth/callback/credentials`, {
      method: "POST",
      jar,
      headers: { "user-agent": userAgent },
      form: { csrfToken: csrf.body.csrfToken, email: account.email, password: account.password },
    });
    const rejected = (callback.location ?? "").includes("error=") || !jar.get("next-auth.session-token");
    return { jar: rejected ? null : jar, result: callback };
  }

  /**
   * Returns the results that took `maxMs` or longer, failed, or returned a status of 500 or above. With `allowUnavailable`,
   * a 503 whose JSON body explains that a store is unavailable is expected.
   */
  problems(maxMs: number, options: { allowUnavailable?: boolean } = {}): TimedResult[] {
    return this.results.filter((result) => {
      if (result.error !== null || result.status === null || result.ms >= maxMs) return true;
      if (result.status < 500) return false;
      return !(options.allowUnavailable && isExplainedUnavailable(result));
    });
  }
}

/**
 * True for a 503 whose body gives the reason: the shared error shape with code store_unavailable, or the status route's
 * body rating the stores unhealthy.
 */
export function isExplainedUnavailable(result: TimedResult): boolean {
  if (result.status !== 503) return false;
  return result.body?.error?.code === "store_unavailable" || result.body?.data?.status === "unhealthy";
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 200);
  }
}

/** Describes results for an assertion message, without bodies (they may hold session details). */
export function describeResults(results: TimedResult[]): string {
  return results
    .slice(0, 20)
    .map((result) => `${result.label}: ${result.status ?? result.error} in ${Math.round(result.ms)} ms`)
    .join("\n");
}
