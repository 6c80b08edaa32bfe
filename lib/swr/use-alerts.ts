"use client";

import useSWR from "swr";

import type { AlertsOverview } from "@/lib/alerts/alerts-overview";

import { dashboardOptions } from "./dashboard-options";
import { fetchData, type ApiError } from "./fetcher";

export const ALERTS_URL = "/api/admin/alerts";

// Alerts change at most once a minute, when the scheduler evaluates them.
const alertsRefreshMs = 60_000;

export function useAlerts(fallbackData?: AlertsOverview) {
  const { data, error, isLoading, mutate } = useSWR<AlertsOverview, ApiError>(ALERTS_URL, fetchData<AlertsOverview>, {
    ...dashboardOptions,
    refreshInterval: alertsRefreshMs,
    fallbackData,
    revalidateOnMount: fallbackData === undefined,
  });
  return { alerts: data, error, loading: isLoading && !data, refresh: () => mutate() };
}
