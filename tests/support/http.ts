/** Cookies of one browser-like client, enough for next-auth's CSRF and session cookies. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const separator = pair.indexOf("=");
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expired = attributes.some((attribute) => /max-age=0|expires=thu, 01 jan 1970/i.test(attribute.trim()));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  copy(): CookieJar {
    const clone = new CookieJar();
    for (const [name, value] of this.cookies) clone.cookies.set(name, value);
    return clone;
  }
}

export interface JsonResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
  ms: number;
}

export async function getJson<T = any>(url: string, jar?: CookieJar): Promise<JsonResponse<T>> {
  const startedAt = performance.now();
  const response = await fetch(url, { headers: jar ? { cookie: jar.header() } : {}, redirect: "manual" });
  const body = (await response.json()) as T;
  return { status: response.status, body, headers: response.headers, ms: performance.now() - startedAt };
}

async function csrfToken(baseUrl: string, jar: CookieJar): Promise<string> {
  const response = await fetch(`${baseUrl}/api/auth/csrf`, { headers: { cookie: jar.header() } });
  jar.store(response);
  return ((await response.json()) as { csrfToken: string }).csrfToken;
}

/** Signs in through next-auth's endpoints, as scripts do. Returns null when sign-in fails. */
export async function signIn(baseUrl: string, email: string, password: string, userAgent = "session-console-tests"): Promise<CookieJar | null> {
  const jar = new CookieJar();
  const token = await csrfToken(baseUrl, jar);
  const response = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header(), "user-agent": userAgent },
    body: new URLSearchParams({ csrfToken: token, email, password }),
    redirect: "manual",
  });
  jar.store(response);

  const location = response.headers.get("location") ?? "";
  return location.includes("error=") || !jar.get("next-auth.session-token") ? null : jar;
}

/** Signs out through next-auth, which ends the session record too. */
export async function signOut(baseUrl: string, jar: CookieJar): Promise<void> {
  const token = await csrfToken(baseUrl, jar);
  const response = await fetch(`${baseUrl}/api/auth/signout`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header() },
    body: new URLSearchParams({ csrfToken: token }),
    redirect: "manual",
  });
  jar.store(response);
}
