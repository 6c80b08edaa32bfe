import { createHash, randomBytes } from "node:crypto";

/** A new secret session token: 32 random bytes, base64url (43 characters). */
export function generateSessionToken(): string {
  return randomBytes(32).toString("base64url");
}

/** The only form in which a token is stored: SHA-256, base64url without padding (43 characters). */
export function hashSessionToken(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}
