import { describe, expect, it } from "vitest";

import { readClientIp } from "@/lib/auth/client-address";

describe("readClientIp", () => {
  it.each([
    ["single entry", { "x-forwarded-for": "203.0.113.7" }, 1, "203.0.113.7"],
    ["proxy-appended last entry wins", { "x-forwarded-for": "198.51.100.1, 203.0.113.7" }, 1, "203.0.113.7"],
    ["two trusted proxies", { "x-forwarded-for": "198.51.100.1, 203.0.113.7, 10.0.0.2" }, 2, "203.0.113.7"],
    ["more proxies than entries", { "x-forwarded-for": "203.0.113.7" }, 3, "203.0.113.7"],
    ["IPv4-mapped IPv6", { "x-forwarded-for": "::ffff:127.0.0.1" }, 1, "127.0.0.1"],
    ["IPv6", { "x-forwarded-for": "2001:db8::1" }, 1, "2001:db8::1"],
    ["IPv6 zone id", { "x-forwarded-for": "fe80::1%eth0" }, 1, null],
    ["not an address", { "x-forwarded-for": "unknown" }, 1, null],
    ["x-real-ip fallback", { "x-real-ip": "203.0.113.9" }, 1, "203.0.113.9"],
    ["no header", {}, 1, null],
  ])("%s", (_case, headers, proxies, expected) => {
    expect(readClientIp(headers, proxies)).toBe(expected);
  });

  it("reads a Headers object too", () => {
    expect(readClientIp(new Headers({ "x-forwarded-for": "203.0.113.7" }), 1)).toBe("203.0.113.7");
  });
});
