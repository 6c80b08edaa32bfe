import { withAdmin } from "@/lib/auth/route-guard";
import { AppError, noStoreHeaders } from "@/lib/errors";
import { historyRanges, readHistory, type HistoryRange } from "@/lib/history/read-history";
import { singleValuedParams } from "@/lib/sessions/list-query";
import { getDatabase } from "@/lib/startup";

export const dynamic = "force-dynamic";

// GET /api/admin/history?range=1h|24h|7d - active sessions and session events over time
export const GET = withAdmin(
  async (request) => {
    const { range = "1h" } = singleValuedParams(new URL(request.url).searchParams);
    if (!historyRanges.includes(range as HistoryRange)) {
      throw new AppError("validation_failed", `range must be one of ${historyRanges.join(", ")}`, "range");
    }

    const history = await readHistory(await getDatabase(), range as HistoryRange).catch(() => {
      throw new AppError("store_unavailable", "The history is unavailable: PostgreSQL did not respond.");
    });
    return Response.json({ success: true, data: history }, { headers: noStoreHeaders });
  },
  { query: ["range"] },
);
