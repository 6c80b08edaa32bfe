"use client";

import useSWR from "swr";

import type { SessionStatistics } from "@/lib/sessions/statistics";

import { dashboardOptions } from "./dashboard-options";
import { fetchData, type ApiError } from "./fetcher";

export const STATISTICS_URL = "/admin/session-health/statistics";

export function useSessionStatistics(fallbackData?: SessionStatistics) {
  const { data, error, isLoading, isValidating, mutate } = useSWR<SessionStatistics, ApiError>(
    STATISTICS_URL,
    fetchData<SessionStatistics>,
    { ...dashboardOptions, fallbackData, revalidateOnMount: fallbackData === undefined },
  );
  return { statistics: data, error, loading: isLoading && !data, refreshing: isValidating, refresh: () => mutate() };
}
