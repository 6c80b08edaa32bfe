import { TimeoutError } from "./timeout";

// Driver errors can carry connection strings; credentials inside them must not reach a page or log.
const credentialsInUrl = /(\w+:\/\/)[^/@\s]*@/g;

/** Describes a driver or network error in one short, credential-free line for health checks and logs. */
export function describeError(error: unknown): string {
  if (error instanceof TimeoutError) {
    return error.message;
  }

  // drizzle wraps driver errors as "Failed query: <sql>"; the driver's own error names the cause.
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error && error instanceof Error && error.message.startsWith("Failed query")) {
    return describeError(cause);
  }

  const message = error instanceof Error ? error.message : String(error);
  if (message.includes("enableOfflineQueue")) {
    // ioredis's wording for a command sent while the connection is down.
    return "not connected (reconnecting in the background)";
  }

  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  const text = typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message;
  return text.replace(credentialsInUrl, "$1***@").slice(0, 300);
}
