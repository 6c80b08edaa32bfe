import { AppError } from "@/lib/errors";

/**
 * Returns a 400 error naming the first query parameter that the route does not take, or null.
 * A misspelled filter then fails loudly instead of returning an unfiltered list.
 */
export function findUnknownParam(url: string, allowed: readonly string[]): AppError | null {
  for (const name of new URL(url).searchParams.keys()) {
    if (!allowed.includes(name)) {
      const accepted = allowed.length > 0 ? `Accepted parameters: ${allowed.join(", ")}.` : "This endpoint takes no query parameters.";
      return new AppError("bad_request", `unknown query parameter "${name}". ${accepted}`, name);
    }
  }
  return null;
}
