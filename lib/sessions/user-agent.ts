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

/** Parses a User-Agent header into the fields the session list shows and filters on. */
export function parseUserAgent(userAgent: string | null | undefined): ParsedUserAgent {
  if (!userAgent) {
    return { browser: null, browserVersion: null, os: null, osVersion: null, deviceType: null };
  }

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
