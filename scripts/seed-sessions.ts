// npm run sessions:seed -- --count N [--users U]
// Creates N realistic sessions through the same library code as a real sign-in: varied users,
// browsers, IP addresses and lifetimes, about one in ten expiring within seconds and one in
// twenty signed out again, so every number on the dashboards moves.

import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";

import { hashPassword } from "@/lib/auth/password";
import { findUserByEmail, insertUser } from "@/lib/db/queries/users";
import type { User } from "@/lib/db/schema";
import { getSessionManager, hashSessionToken } from "@/lib/sessions";
import { getDatabase } from "@/lib/startup";

import { closeConnections } from "./shutdown";

const userAgents = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
  "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
];

// Documentation ranges (RFC 5737 and RFC 3849), so seeded data never names a real host.
function randomIp(index: number): string {
  if (index % 5 === 4) {
    return `2001:db8::${(index % 65_535).toString(16)}`;
  }
  const networks = ["192.0.2", "198.51.100", "203.0.113"];
  return `${networks[index % networks.length]}.${1 + (index % 254)}`;
}

function pick<T>(items: T[], index: number): T {
  return items[index % items.length];
}

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) {
    throw new Error(`invalid --${name} ${JSON.stringify(value)}: expected a whole number of at least 1`);
  }
  return parsed;
}

async function ensureSeedUsers(count: number): Promise<User[]> {
  const db = await getDatabase();
  // Seed accounts get a random password nobody knows: they exist to own sessions, not to sign in.
  const passwordHash = await hashPassword(randomBytes(24).toString("base64url"));
  const seeded: User[] = [];
  for (let index = 1; index <= count; index += 1) {
    const email = `seed-user-${String(index).padStart(4, "0")}@example.com`;
    const user =
      (await findUserByEmail(db, email)) ??
      (await insertUser(db, { email, name: `Seed User ${index}`, role: "user", passwordHash }));
    seeded.push(user);
  }
  return seeded;
}

async function main() {
  const { values } = parseArgs({ options: { count: { type: "string" }, users: { type: "string" } } });
  const count = positiveInteger(values.count, "count", 100);
  const userCount = positiveInteger(values.users, "users", Math.min(50, count));

  const users = await ensureSeedUsers(userCount);
  const manager = getSessionManager();
  const startedAt = Date.now();
  const tally = { created: 0, shortLived: 0, signedOut: 0, inRedis: 0 };

  let next = 0;
  async function worker() {
    while (next < count) {
      const index = next++;
      const user = pick(users, index * 7 + (index >> 3));
      const shortLived = index % 10 === 9;
      const session = await manager.createSession({
        userId: user.id,
        role: user.role,
        ip: randomIp(index),
        userAgent: pick(userAgents, index),
        maxAgeSeconds: shortLived ? 5 + (index % 20) : 3600 + (index % 8) * 3600,
        idleTimeoutSeconds: shortLived ? 5 + (index % 20) : 900 + (index % 4) * 900,
      });

      tally.created += 1;
      if (shortLived) tally.shortLived += 1;
      if (session.store === "redis") tally.inRedis += 1;
      if (index % 20 === 19) {
        await manager.revokeSession({ tokenHash: hashSessionToken(session.token), userId: user.id }, "seed");
        tally.signedOut += 1;
      }
      if (tally.created % 1000 === 0) {
        console.log(`  ${tally.created} / ${count} sessions`);
      }
    }
  }

  // A few writers in parallel: fast enough for tens of thousands, gentle on a laptop.
  await Promise.all(Array.from({ length: 16 }, worker));

  const seconds = (Date.now() - startedAt) / 1000;
  console.log(
    `created ${tally.created} sessions for ${users.length} users in ${seconds.toFixed(1)} s ` +
      `(${tally.inRedis} in Redis, ${tally.created - tally.inRedis} in PostgreSQL only); ` +
      `${tally.shortLived} expire within 25 s, ${tally.signedOut} signed out again`,
  );
}

main()
  .then(closeConnections)
  .catch(async (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    await closeConnections().catch(() => undefined);
    process.exit(1);
  });
