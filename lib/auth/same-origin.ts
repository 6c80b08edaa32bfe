/**
 * True when a browser sent this request from another site. Browsers mark every request with
 * Sec-Fetch-Site, and older ones send Origin on POST and DELETE. A request with neither comes from
 * a script such as curl, which cannot carry a victim's cookies, so it is not a forgery risk.
 */
export function isCrossSiteRequest(request: Request): boolean {
  const fetchSite = request.headers.get("sec-fetch-site");
  if (fetchSite) {
    return fetchSite !== "same-origin" && fetchSite !== "none";
  }

  const origin = request.headers.get("origin");
  if (!origin) {
    return false;
  }
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  try {
    return new URL(origin).host !== host;
  } catch {
    // "null" and other opaque origins.
    return true;
  }
}
