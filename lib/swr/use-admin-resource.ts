"use client";

import useSWR from "swr";

import { dashboardOptions } from "./dashboard-options";
import { fetchData, type ApiError } from "./fetcher";

/**
 * One admin JSON resource with the dashboards' refresh, retry and sign-in behaviour; a null url
 * fetches nothing.
 */
export function useAdminResource<T>(url: string | null, refreshMs = 30_000) {
  const { data, error, isLoading, isValidating, mutate } = useSWR<T, ApiError>(url, fetchData<T>, {
    ...dashboardOptions,
    refreshInterval: refreshMs,
  });
  return { data, error, loading: isLoading && !data, refreshing: isValidating, refresh: () => mutate() };
}
