import { AppError } from "@/lib/errors";

const maxBodyBytes = 64 * 1024;

/**
 * Reads a JSON request body. Requiring application/json also keeps plain HTML forms on other
 * sites from posting here, since browsers preflight that content type.
 */
export async function readJsonBody(request: Request): Promise<unknown> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(contentType)) {
    throw new AppError("bad_request", "Content-Type must be application/json.");
  }

  const text = await request.text();
  if (Buffer.byteLength(text) > maxBodyBytes) {
    throw new AppError("bad_request", `The request body is larger than ${maxBodyBytes / 1024} KiB.`);
  }

  try {
    return text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "The request body is not valid JSON.");
  }
}
