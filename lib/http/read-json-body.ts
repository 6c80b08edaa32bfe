import { AppError } from "@/lib/errors";

const maxBodyBytes = 64 * 1024;

const tooLarge = () => new AppError("bad_request", `The request body is larger than ${maxBodyBytes / 1024} KiB.`);

/** Reads the body as UTF-8 text, stopping as soon as it exceeds the limit instead of buffering all of it. */
async function readBodyText(request: Request): Promise<string> {
  if (Number(request.headers.get("content-length") ?? 0) > maxBodyBytes) {
    throw tooLarge();
  }
  if (!request.body) {
    return "";
  }

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBodyBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

function requireJsonContentType(request: Request): void {
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(contentType)) {
    throw new AppError("bad_request", "Content-Type must be application/json.");
  }
}

/** Parses a body that must be a JSON object. An empty body counts as {}. */
function parseJsonObject(text: string): Record<string, unknown> {
  if (text.trim() === "") {
    return {};
  }

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "The request body is not valid JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AppError("bad_request", "The request body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}

/**
 * Reads a JSON object body. Requiring application/json also keeps plain HTML forms on other
 * sites from posting here, since browsers preflight that content type.
 */
export async function readJsonBody(request: Request): Promise<Record<string, unknown>> {
  requireJsonContentType(request);
  return parseJsonObject(await readBodyText(request));
}

/**
 * Reads the body of an endpoint that takes no parameters: no body, or an empty JSON object. Any
 * field is rejected with a 422 naming it, so a client that expects an option to apply learns that it does not.
 */
export async function readEmptyBody(request: Request): Promise<void> {
  const text = await readBodyText(request);
  if (text.trim() === "") {
    return;
  }

  requireJsonContentType(request);
  const [field] = Object.keys(parseJsonObject(text));
  if (field !== undefined) {
    throw new AppError("validation_failed", `unknown field "${field}". This endpoint takes no request body.`, field);
  }
}
