import "server-only";

import type { NextAuthOptions, User } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";

import { countFailedSignIn } from "@/lib/alerts/count-failed-sign-in";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { findUserByEmail } from "@/lib/db/queries/users";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/logger";
import { AppError } from "@/lib/errors";
import { getSessionManager, hashSessionToken } from "@/lib/sessions";
import { readPlatformCountry } from "@/lib/sessions/country";
import { getDatabase } from "@/lib/startup";

import { readClientIp, readUserAgent } from "./client-address";
import { clearAccountFailures, isSignInLocked, recordSignInFailure, SIGN_IN_LIMITS } from "./sign-in-limiter";
import { verifyAgainstDummyHash, verifyPassword } from "./password";
import { getAuthSecret } from "./secret";

const credentialsSchema = z.object({
  // PostgreSQL text cannot contain NUL, so such an email is only a failed sign-in.
  email: z.string().trim().min(3).max(254).refine((value) => !value.includes("\u0000")),
  password: z.string().min(1).max(1024),
});

/** Error text that the sign-in page turns into "temporarily unavailable". */
export const SIGN_IN_UNAVAILABLE = "SignInUnavailable";

/**
 * Checks email and password, then creates the server-side session record. The session is
 * created here, not in a callback, so that a store failure becomes a clean sign-in error.
 */
async function authorize(
  credentials: Record<string, unknown> | undefined,
  request: { headers?: Record<string, string | string[] | undefined> },
): Promise<User | null> {
  const parsed = credentialsSchema.safeParse(credentials ?? {});
  if (!parsed.success) {
    return null;
  }

  const headers = request.headers ?? {};
  const manager = getSessionManager();
  const subject = { email: parsed.data.email, ip: readClientIp(headers) };
  if (await isSignInLocked(manager, subject)) {
    // The same work and the same response as a wrong password, so a lockout reveals nothing.
    await verifyAgainstDummyHash(parsed.data.password);
    logger.info("sign-in rejected", { reason: "too many failed sign-ins", ip: subject.ip });
    await countFailedSignIn();
    return null;
  }

  let user;
  try {
    user = await findUserByEmail(await getDatabase(), parsed.data.email);
  } catch (error) {
    logger.error("sign-in failed: could not read users", { error });
    throw new Error(SIGN_IN_UNAVAILABLE);
  }

  const passwordMatches = user
    ? await verifyPassword(parsed.data.password, user.passwordHash)
    : await verifyAgainstDummyHash(parsed.data.password);
  if (!user || !passwordMatches) {
    logger.info("sign-in rejected", { reason: "wrong email or password", ip: subject.ip });
    await countFailedSignIn();
    await recordLockout(await recordSignInFailure(manager, subject), subject, user?.id ?? null);
    return null;
  }
  await clearAccountFailures(manager, subject.email);

  try {
    const session = await manager.createSession({
      userId: user.id,
      role: user.role,
      ip: readClientIp(headers),
      userAgent: readUserAgent(headers),
      country: readPlatformCountry(headers),
    });
    logger.info("signed in", { user_id: user.id, session_id: session.id, store: session.store });
    if (user.role === "admin") {
      await recordAuditEvent({
        actorUserId: user.id,
        actorEmail: user.email,
        actorIp: readClientIp(headers),
        action: "admin.sign_in",
        target: { session_ids: [session.id] },
        affectedCount: 1,
      });
    }
    return { id: user.id, email: user.email, name: user.name, role: user.role, sid: session.token };
  } catch (error) {
    logger.error("sign-in failed: could not create the session", { user_id: user.id, error });
    throw new Error(AppError.is(error) && error.code === "store_unavailable" ? SIGN_IN_UNAVAILABLE : "SignInFailed");
  }
}

/** True when the session record is live. A store outage counts as live: the cookie is all we can check then. */
async function isSessionLive(token: string, userId: string): Promise<boolean> {
  try {
    return (await getSessionManager().validateSession(token, userId)) !== null;
  } catch (error) {
    logger.warn("could not check the session record for /api/auth/session", { user_id: userId, error });
    return true;
  }
}

/** Logs and audits the counters that have just reached their limit, once per window. */
async function recordLockout(counters: string[], subject: { email: string; ip: string | null }, userId: string | null) {
  if (counters.length === 0) return;
  logger.warn("sign-ins locked after repeated failures", { counters, ip: subject.ip, user_id: userId });
  // The actor is the client that kept failing, known only by address. The locked account is the
  // target, named only when it exists: a string typed into the email field might be a password.
  await recordAuditEvent({
    actorUserId: null,
    actorEmail: "",
    actorIp: subject.ip,
    action: "auth.lockout",
    target: {
      account: userId ? subject.email.trim().toLowerCase().slice(0, 254) : null,
      user_ids: userId ? [userId] : [],
      counters,
      window_seconds: SIGN_IN_LIMITS.windowSeconds,
    },
    affectedCount: 0,
  });
}

/** next-auth configuration; async because the secret may come from the database. */
export async function getAuthOptions(): Promise<NextAuthOptions> {
  const env = getEnv();
  if (!env.NEXTAUTH_URL) {
    // Without a configured URL, next-auth builds its redirects from the request's Host header,
    // but only when AUTH_TRUST_HOST is set. Responses are never cached, so a forged Host affects only the
    // request that forged it. Production deployments should still set NEXTAUTH_URL.
    process.env.AUTH_TRUST_HOST ??= "true";
  }

  return {
    secret: await getAuthSecret(),
    // The JWT only carries the session token; the session record in the store decides validity.
    session: { strategy: "jwt", maxAge: env.SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/login", error: "/login" },
    providers: [
      CredentialsProvider({
        id: "credentials",
        name: "Email and password",
        credentials: {
          email: { label: "Email", type: "email" },
          password: { label: "Password", type: "password" },
        },
        authorize,
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          token.sid = user.sid;
          token.role = user.role;
        }
        return token;
      },
      // Builds the /api/auth/session response, which never contains the session token. A session
      // whose record is gone gets an empty response, which next-auth's client reads as signed out.
      async session({ session, token }) {
        const live = token.sid && token.sub ? await isSessionLive(token.sid, token.sub) : false;
        if (!live) {
          return {} as typeof session;
        }
        session.user = {
          id: token.sub ?? "",
          email: token.email ?? "",
          name: token.name ?? null,
          role: token.role ?? "user",
        };
        return session;
      },
    },
    events: {
      async signOut({ token }) {
        if (!token?.sid || !token.sub) return;
        try {
          await getSessionManager().revokeSession(
            { tokenHash: hashSessionToken(token.sid), userId: token.sub },
            "sign_out",
          );
          logger.info("signed out", { user_id: token.sub });
          if (token.role === "admin") {
            await recordAuditEvent({
              actorUserId: token.sub,
              actorEmail: token.email ?? "",
              actorIp: null,
              action: "admin.sign_out",
              target: { user_ids: [token.sub] },
              affectedCount: 1,
            });
          }
        } catch (error) {
          logger.error("sign-out could not end the session record", { user_id: token.sub, error });
        }
      },
    },
    logger: {
      error: (code, metadata) => logger.error("next-auth error", { code, detail: String((metadata as Error)?.message ?? "") }),
      warn: (code) => logger.warn("next-auth warning", { code }),
      debug: () => {},
    },
  };
}
