"use client";

import type { History, HistoryRange } from "@/lib/history/read-history";

import { useAdminResource } from "./use-admin-resource";

// The history gains a point a minute; refreshing more often would show nothing new.
export function useSessionHistory(range: HistoryRange) {
  const { data, ...rest } = useAdminResource<History>(`/api/admin/history?range=${range}`, 60_000);
  return { history: data, ...rest };
}
