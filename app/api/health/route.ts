import { noStoreHeaders } from "@/lib/errors";

export const dynamic = "force-dynamic";

// GET /api/health - liveness of this server process only; touches no store, needs no sign-in.
// Load balancers probe it, and the benchmark uses it as the HTTP floor.
export function GET() {
  return Response.json({ status: "ok" }, { headers: noStoreHeaders });
}
