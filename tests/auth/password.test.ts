import { describe, expect, it } from "vitest";

import { hashPassword, verifyPassword } from "@/lib/auth/password";

describe("password hashing", () => {
  it("verifies the right password and rejects a wrong one", async () => {
    const hash = await hashPassword("correct horse battery");

    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword("correct horse battery", hash)).toBe(true);
    expect(await verifyPassword("correct horse battery ", hash)).toBe(false);
  });

  it("salts every hash", async () => {
    expect(await hashPassword("same")).not.toBe(await hashPassword("same"));
  });

  it.each([
    ["empty", ""],
    ["another scheme", "bcrypt$2b$10$abc"],
    ["too few fields", "scrypt$32768$8$1$salt"],
    ["non-numeric cost", "scrypt$abc$8$1$c2FsdA$a2V5"],
    ["cost above the ceiling", "scrypt$4194304$8$1$c2FsdA$a2V5"],
  ])("rejects a malformed hash: %s", async (_case, stored) => {
    expect(await verifyPassword("anything", stored)).toBe(false);
  });
});
