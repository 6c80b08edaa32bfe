"use client";

import type { StoreDetails } from "@/lib/sessions/store-details";

import { useAdminResource } from "./use-admin-resource";

export function useStoreDetails() {
  const { data, ...rest } = useAdminResource<StoreDetails>("/api/admin/store-details");
  return { details: data, ...rest };
}
