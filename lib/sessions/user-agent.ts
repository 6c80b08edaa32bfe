import { UAParser } from "ua-parser-js";

export interface ParsedUserAgent {
  /** Browser name, e.g. "Chrome"; null when unknown. */
  browser: string | null;
  browserVersion: string | null;
  /** Operating system name, e.g. "Windows"; null when unknown. */
  os: string | null;
  osVersion: string | null;
  /** "desktop", "mobile", "tablet", or another ua-parser-js device type. */
  deviceType: string | null;
}

// ua-parser-js 1.x (MIT); version 2 changed to the AGPL and must not be used here.
const maxLength = 512;

// Parsing costs tens of microseconds and a list page shows the same few agents again and again.
const cacheLimit = 1000;
const cache = new Map<string, ParsedUserAgent>();

/** Parses a User-Agent header into the fields the session list shows and filters on. */
export function parseUserAgent(userAgent: string | null | undefined): ParsedUserAgent {
  if (!userAgent) {
    return { browser: null, browserVersion: null, os: null, osVersion: null, deviceType: null };
  }

  const cached = cache.get(userAgent);
  if (cached) return cached;
  const parsed = parseUncached(userAgent);
  if (cache.size >= cacheLimit) cache.delete(cache.keys().next().value as string);
  cache.set(userAgent, parsed);
  return parsed;
}

function parseUncached(userAgent: string): ParsedUserAgent {
  const result = new UAParser(userAgent.slice(0, maxLength)).getResult();
  const browser = result.browser.name ?? null;
  const os = result.os.name ?? null;
  // ua-parser-js leaves the device type empty for desktops; an unknown agent stays unknown.
  const deviceType = result.device.type ?? (browser || os ? "desktop" : null);

  return {
    browser,
    browserVersion: result.browser.major ?? null,
    os,
    osVersion: result.os.version ?? null,
    deviceType,
  };
}

/** Returns a short label such as "Chrome 131 on Windows 10", or "Unknown device". */
export function describeUserAgent(parsed: ParsedUserAgent): string {
  const browser = [parsed.browser, parsed.browserVersion].filter(Boolean).join(" ");
  const os = [parsed.os, parsed.osVersion].filter(Boolean).join(" ");
  if (browser && os) return `${browser} on ${os}`;
  return browser || os || "Unknown device";
}
