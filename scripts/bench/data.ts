import { createHash } from "node:crypto";

import type { NewSession, SessionTimes } from "@/lib/sessions/types";

/** A deterministic pseudo-random generator (mulberry32), so two runs load the same data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function uuidFrom(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const userAgents = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
  "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
];

export interface GeneratedSession {
  session: NewSession;
  times: SessionTimes;
  /** The secret token; kept only for the sample sessions the benchmark validates. */
  token: string;
  revoked: boolean;
}

const idleSeconds = 30 * 60;
const maxAgeSeconds = 8 * 60 * 60;

/**
 * Generates sessions `from` to `to` (exclusive) of a fixed population: five per user on average,
 * signed in over the last seven hours, nine in ten active (seen within the idle timeout), one in
 * ten idle past it, one in twenty revoked.
 */
export function generateSessions(options: { from: number; to: number; userIds: string[]; now: number; seed: number }): GeneratedSession[] {
  const random = seededRandom(options.seed + options.from);
  const generated: GeneratedSession[] = [];

  for (let index = options.from; index < options.to; index += 1) {
    const token = createHash("sha256").update(`bench-${options.seed}-${index}`).digest("base64url");
    const createdAt = options.now - Math.floor(random() * 7 * 3600 * 1000);
    const idle = random() < 0.1;
    const lastSeenAt = idle
      ? Math.min(createdAt, options.now - (idleSeconds + 60) * 1000)
      : Math.max(createdAt, options.now - Math.floor(random() * 25 * 60 * 1000));
    const absoluteExpiresAt = createdAt + maxAgeSeconds * 1000;

    generated.push({
      token,
      revoked: random() < 0.05,
      session: {
        id: uuidFrom(random),
        tokenHash: createHash("sha256").update(token).digest("base64url"),
        userId: options.userIds[index % options.userIds.length],
        role: "user",
        ip: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
        userAgent: userAgents[index % userAgents.length],
        maxAgeSeconds,
        idleTimeoutSeconds: idleSeconds,
      },
      times: {
        createdAt: new Date(createdAt),
        lastSeenAt: new Date(lastSeenAt),
        absoluteExpiresAt: new Date(absoluteExpiresAt),
        expiresAt: new Date(Math.min(absoluteExpiresAt, lastSeenAt + idleSeconds * 1000)),
      },
    });
  }
  return generated;
}

/** The express-session object that connect-redis stores as JSON for a comparable session. */
export function naiveSession(generated: GeneratedSession) {
  return {
    cookie: {
      originalMaxAge: maxAgeSeconds * 1000,
      expires: generated.times.absoluteExpiresAt.toISOString(),
      secure: true,
      httpOnly: true,
      path: "/",
      sameSite: "lax",
    },
    userId: generated.session.userId,
    role: generated.session.role,
    createdAt: generated.times.createdAt.toISOString(),
    lastSeenAt: generated.times.lastSeenAt.toISOString(),
    ip: generated.session.ip,
    userAgent: generated.session.userAgent,
  };
}
