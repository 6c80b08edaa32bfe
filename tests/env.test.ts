import { describe, expect, it } from "vitest";

import { getConfiguredSessionStore, InvalidEnvironmentError, parseEnvironment } from "@/lib/env";

describe("environment parsing", () => {
  it("needs no variables at all", () => {
    const env = parseEnvironment({});

    expect(env.SESSION_BACKEND).toBe("auto");
    expect(env.PGLITE_DATA_DIR).toBe(".data/pglite");
    expect(getConfiguredSessionStore(env)).toBe("database");
  });

  it("chooses Redis in auto mode when REDIS_URL is set", () => {
    expect(getConfiguredSessionStore(parseEnvironment({ REDIS_URL: "redis://127.0.0.1:6379" }))).toBe("redis");
    expect(
      getConfiguredSessionStore(parseEnvironment({ REDIS_URL: "redis://127.0.0.1:6379", SESSION_BACKEND: "database" })),
    ).toBe("database");
  });

  it.each([
    ["DATABASE_URL", { DATABASE_URL: "mysql://localhost/db" }],
    ["REDIS_URL", { REDIS_URL: "localhost:6379" }],
    ["SESSION_BACKEND", { SESSION_BACKEND: "memcached" }],
    ["SESSION_MAX_AGE_SECONDS", { SESSION_MAX_AGE_SECONDS: "ten" }],
    ["SESSION_IDLE_TIMEOUT_SECONDS", { SESSION_IDLE_TIMEOUT_SECONDS: "5" }],
    ["REDIS_COMMAND_TIMEOUT_MS", { REDIS_COMMAND_TIMEOUT_MS: "0" }],
    ["REDIS_KEY_PREFIX", { REDIS_KEY_PREFIX: "has space" }],
    ["NEXTAUTH_SECRET", { NEXTAUTH_SECRET: "short" }],
    ["ADMIN_EMAIL", { ADMIN_EMAIL: "not-an-email", ADMIN_PASSWORD: "long enough" }],
    ["ADMIN_PASSWORD", { ADMIN_EMAIL: "admin@example.com" }],
    ["REDIS_URL", { SESSION_BACKEND: "redis" }],
  ])("names %s when it is invalid", (variable, source) => {
    expect(() => parseEnvironment(source)).toThrow(InvalidEnvironmentError);
    expect(() => parseEnvironment(source)).toThrow(new RegExp(`\\b${variable}\\b`));
  });

  it("lists every invalid variable at once", () => {
    try {
      parseEnvironment({ SESSION_BACKEND: "x", REDIS_URL: "y" });
      expect.unreachable();
    } catch (error) {
      expect((error as InvalidEnvironmentError).problems).toHaveLength(2);
    }
  });
});
