import { isIP } from "node:net";

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) {
    return headers.get(name) ?? undefined;
  }
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The client's IP address as reported by the nearest proxy. `next start` sets X-Forwarded-For
 * from the socket itself, and hosting platforms overwrite it, so the first entry is the client.
 * Returns null for anything that is not an IP address, so it can go into an inet column.
 */
export function readClientIp(headers: HeaderSource): string | null {
  const forwarded = readHeader(headers, "x-forwarded-for")?.split(",")[0]?.trim();
  const candidate = forwarded || readHeader(headers, "x-real-ip")?.trim();
  if (!candidate) {
    return null;
  }

  // IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) read better as plain IPv4.
  const address = candidate.startsWith("::ffff:") && isIP(candidate.slice(7)) === 4 ? candidate.slice(7) : candidate;
  return isIP(address) ? address : null;
}

export function readUserAgent(headers: HeaderSource): string | null {
  const value = readHeader(headers, "user-agent")?.trim();
  return value ? value.slice(0, 512) : null;
}
