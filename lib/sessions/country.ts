type HeaderSource = Headers | Record<string, string | string[] | undefined>;

// Headers that hosting platforms set from the client IP: Vercel, then Cloudflare.
const countryHeaders = ["x-vercel-ip-country", "cf-ipcountry"];

// Cloudflare uses XX for unknown and T1 for Tor; neither is a country.
const notCountries = new Set(["XX", "T1"]);

function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The ISO 3166-1 alpha-2 country of the request as the hosting platform reports it, or null.
 * NOTE: without such a platform in front, a client can send these headers itself. The value is
 * then only as trustworthy as the client, so it is shown but never used for a security decision.
 */
export function readPlatformCountry(headers: HeaderSource): string | null {
  for (const name of countryHeaders) {
    const value = readHeader(headers, name)?.trim().toUpperCase();
    if (value && /^[A-Z]{2}$/.test(value) && !notCountries.has(value)) {
      return value;
    }
  }
  return null;
}
