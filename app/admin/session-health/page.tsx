import type { Metadata } from "next";

import { AppHeader } from "@/app/_components/app-header";
import { FiringAlertsBanner } from "@/app/_components/firing-alerts-banner";
import { HealthPanel } from "@/app/_components/health-panel";
import { StoreDetailsPanel } from "@/app/_components/store-details-panel";
import { PageTitle } from "@/app/_components/notices";
import { StoreUnavailable } from "@/app/_components/store-unavailable";
import { checkAdminPage } from "@/lib/auth/admin-page";
import { getSessionHealth, getSessionManager, getSessionStatistics } from "@/lib/sessions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Session health" };

const path = "/admin/session-health";

export default async function SessionHealthPage() {
  const access = await checkAdminPage(path);
  if (access.kind === "unavailable") {
    return <StoreUnavailable message={access.message} retryPath={path} />;
  }
  const { current } = access;

  // First numbers straight from lib/; the client panel refreshes them through the JSON routes.
  const manager = getSessionManager();
  const [health, statistics] = await Promise.all([
    getSessionHealth(manager),
    getSessionStatistics(manager).catch(() => undefined),
  ]);

  return (
    <>
      <AppHeader current={current} activePath={path} />
      <main className="mx-auto max-w-7xl space-y-6 px-6 py-8">
        <FiringAlertsBanner />
        <PageTitle title="Session health" subtitle="Whether the session stores respond, and how fast." />
        <HealthPanel initialHealth={health} initialStatistics={statistics} />
        <StoreDetailsPanel />
      </main>
    </>
  );
}
