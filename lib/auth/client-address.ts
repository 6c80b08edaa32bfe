import { isIP } from "node:net";

import { getEnv } from "@/lib/env";

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) {
    return headers.get(name) ?? undefined;
  }
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function normalizeAddress(candidate: string | undefined): string | null {
  const trimmed = candidate?.trim();
  // Zone ids (fe80::1%eth0) do not fit PostgreSQL's inet type.
  if (!trimmed || trimmed.includes("%")) return null;

  // IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) read better as plain IPv4.
  const address = trimmed.startsWith("::ffff:") && isIP(trimmed.slice(7)) === 4 ? trimmed.slice(7) : trimmed;
  return isIP(address) ? address : null;
}

/**
 * The client's IP address, read from X-Forwarded-For. Each trusted proxy appends the address it
 * saw, so with TRUSTED_PROXY_COUNT proxies in front (default 1) the client is that many entries
 * from the right; entries further left were written by the client and are ignored. `next start`
 * fills in the header from the socket only when the request has none, so a console exposed
 * without a proxy cannot tell a forged header from a real one. Returns null for anything that is
 * not an IP address, so the value fits an inet column.
 */
export function readClientIp(headers: HeaderSource, trustedProxies = getEnv().TRUSTED_PROXY_COUNT): string | null {
  const forwarded = (readHeader(headers, "x-forwarded-for") ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);

  if (forwarded.length > 0) {
    const index = Math.max(0, forwarded.length - trustedProxies);
    return normalizeAddress(forwarded[index]);
  }
  return normalizeAddress(readHeader(headers, "x-real-ip"));
}

export function readUserAgent(headers: HeaderSource): string | null {
  const value = readHeader(headers, "user-agent")?.trim();
  return value ? value.slice(0, 512) : null;
}
