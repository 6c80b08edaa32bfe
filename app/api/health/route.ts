import { errorResponse, noStoreHeaders } from "@/lib/errors";
import { findUnknownParam } from "@/lib/http/query-params";

export const dynamic = "force-dynamic";

// GET /api/health - liveness of this server process only; touches no store, needs no sign-in.
// Load balancers probe it, and the benchmark uses it as the HTTP floor.
export function GET(request: Request) {
  const unknownParam = findUnknownParam(request.url, []);
  if (unknownParam) {
    return errorResponse(unknownParam);
  }
  return Response.json({ status: "ok" }, { headers: noStoreHeaders });
}
