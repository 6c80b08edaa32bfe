import { randomBytes } from "node:crypto";

import { eq } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, describe, expect, it, vi } from "vitest";

import { connectPostgres, type DatabaseConnection } from "@/lib/db/client";
import { appSettings, users } from "@/lib/db/schema";
import { prepareDatabase } from "@/lib/startup";

import { POSTGRES_ADMIN_URL } from "./support/databases";

const name = `sc_test_${randomBytes(6).toString("hex")}`;
const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
const connections: DatabaseConnection[] = [];

afterAll(async () => {
  await Promise.all(connections.map((connection) => connection.close()));
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
});

describe("database start-up", () => {
  it("four instances starting at once create one schema, one admin and one secret", async () => {
    await admin.unsafe(`create database ${name}`);
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = `/${name}`;
    for (let index = 0; index < 4; index += 1) {
      connections.push(connectPostgres(url.toString()));
    }
    // The generated admin password is printed once; keep it out of the test output.
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);

    const secrets = await Promise.all(connections.map((connection) => prepareDatabase(connection)));
    const printed = write.mock.calls.map(([text]) => String(text)).join("");
    write.mockRestore();

    expect(new Set(secrets).size).toBe(1);
    const db = connections[0].db;
    expect(await db.select().from(users).where(eq(users.role, "admin"))).toHaveLength(1);
    expect(await db.select().from(appSettings)).toHaveLength(1);
    expect(printed.match(/created its first admin account/g)).toHaveLength(1);
  });
});
