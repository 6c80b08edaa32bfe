import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ADMIN, startConsoleServer, type ConsoleServer } from "../support/console-server";
import { createPgliteDirectory } from "../support/databases";
import { getJson, signIn } from "../support/http";

// The zero-configuration mode: no DATABASE_URL and no REDIS_URL, so the console runs on the
// embedded PGlite database.
let server: ConsoleServer;
let directory: ReturnType<typeof createPgliteDirectory>;

beforeAll(async () => {
  directory = createPgliteDirectory();
  server = await startConsoleServer({ PGLITE_DATA_DIR: directory.dataDir });
});

afterAll(async () => {
  await server?.stop();
  directory?.remove();
});

describe("production build on the embedded database", () => {
  it("signs in and counts that very session", async () => {
    const jar = await signIn(server.baseUrl, ADMIN.email, ADMIN.password);
    expect(jar).not.toBeNull();

    const statistics = await getJson(`${server.baseUrl}/admin/session-health/statistics`, jar!);
    expect(statistics.status).toBe(200);
    expect(statistics.body.data).toMatchObject({
      session_manager_type: "database",
      data_source: "database",
      fallback_active: false,
      active_sessions: 1,
      active_users: 1,
    });

    const status = await getJson(`${server.baseUrl}/admin/session-health/status`, jar!);
    expect(status.body.data.status).toBe("healthy");
    expect(status.body.data.checks.redis.status).toBe("not_configured");
    expect(status.body.data.checks.database.status).toBe("up");
  });

  it("rejects a wrong password without saying whether the account exists", async () => {
    expect(await signIn(server.baseUrl, ADMIN.email, "wrong-password")).toBeNull();
    expect(await signIn(server.baseUrl, "nobody@example.com", "wrong-password")).toBeNull();
  });
});
