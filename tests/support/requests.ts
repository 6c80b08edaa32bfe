import { CookieJar, type JsonResponse } from "./http";

export interface JsonRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  jar?: CookieJar;
  /** Sent as JSON with Content-Type application/json. */
  json?: unknown;
  /** Sent as is; set the Content-Type in `headers`. */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** Sends one request with the jar's cookies and parses the JSON response. Throws when the body is not JSON. */
export async function sendJson<T = any>(url: string, request: JsonRequest): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...(request.headers ?? {}) };
  if (request.jar) headers.cookie = request.jar.header();
  let body: string | undefined = request.rawBody;
  if (request.json !== undefined) {
    headers["content-type"] ??= "application/json";
    body = JSON.stringify(request.json);
  }

  const startedAt = performance.now();
  const response = await fetch(url, { method: request.method, headers, body, redirect: "manual" });
  const text = await response.text();
  let parsed: T;
  try {
    parsed = JSON.parse(text) as T;
  } catch {
    throw new Error(`${request.method} ${url} returned ${response.status} with a body that is not JSON: ${text.slice(0, 300)}`);
  }
  return { status: response.status, body: parsed, headers: response.headers, ms: performance.now() - startedAt };
}

/** The outcome of posting the sign-in form: where next-auth sends the browser, and the cookies on success. */
export interface SignInAttempt {
  location: string;
  jar: CookieJar | null;
}

/** Posts the sign-in form as a browser does, with extra headers on both requests (for example X-Forwarded-For). */
export async function attemptSignIn(baseUrl: string, email: string, password: string, headers: Record<string, string>): Promise<SignInAttempt> {
  const jar = new CookieJar();
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`, { headers: { ...headers, cookie: jar.header() } });
  jar.store(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };

  const response = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/x-www-form-urlencoded", cookie: jar.header() },
    body: new URLSearchParams({ csrfToken, email, password }),
    redirect: "manual",
  });
  jar.store(response);

  const location = response.headers.get("location") ?? "";
  const signedIn = !location.includes("error=") && jar.get("next-auth.session-token") !== undefined;
  return { location, jar: signedIn ? jar : null };
}

/**
 * Signs in like `signIn` in http.ts, with extra request headers on both requests, for example
 * X-Forwarded-For as a reverse proxy would send it. Returns null when sign-in fails.
 */
export async function signInWithHeaders(
  baseUrl: string,
  email: string,
  password: string,
  headers: Record<string, string>,
): Promise<CookieJar | null> {
  return (await attemptSignIn(baseUrl, email, password, headers)).jar;
}
