"use client";

import type { Distribution } from "@/lib/db/queries/distribution";

import { useAdminResource } from "./use-admin-resource";

export function useDistribution() {
  const { data, ...rest } = useAdminResource<Distribution & { generated_at: string }>("/api/admin/distribution", 60_000);
  return { distribution: data, ...rest };
}
