"use client";

import useSWR from "swr";

import type { SessionHealth } from "@/lib/sessions/health";

import { dashboardOptions } from "./dashboard-options";
import { fetchData, type ApiError } from "./fetcher";

export const HEALTH_URL = "/admin/session-health/status";

export function useSessionHealth(fallbackData?: SessionHealth) {
  const { data, error, isLoading, isValidating, mutate } = useSWR<SessionHealth, ApiError>(
    HEALTH_URL,
    fetchData<SessionHealth>,
    { ...dashboardOptions, fallbackData, revalidateOnMount: fallbackData === undefined },
  );
  return { health: data, error, loading: isLoading && !data, refreshing: isValidating, refresh: () => mutate() };
}
