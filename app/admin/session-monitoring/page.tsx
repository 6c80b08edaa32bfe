import type { Metadata } from "next";

import { AppHeader } from "@/app/_components/app-header";
import { FiringAlertsBanner } from "@/app/_components/firing-alerts-banner";
import { DistributionPanel } from "@/app/_components/distribution-panel";
import { HistoryCharts } from "@/app/_components/history-charts";
import { MonitoringPanel } from "@/app/_components/monitoring-panel";
import { PageTitle } from "@/app/_components/notices";
import { StoreUnavailable } from "@/app/_components/store-unavailable";
import { checkAdminPage } from "@/lib/auth/admin-page";
import { getSessionManager, getSessionStatistics } from "@/lib/sessions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Session monitoring" };

const path = "/admin/session-monitoring";

export default async function SessionMonitoringPage() {
  const access = await checkAdminPage(path);
  if (access.kind === "unavailable") {
    return <StoreUnavailable message={access.message} retryPath={path} />;
  }
  const { current } = access;

  // When no store can count, the panel starts without numbers and shows the error instead of zeros.
  const statistics = await getSessionStatistics(getSessionManager()).catch(() => undefined);

  return (
    <>
      <AppHeader current={current} activePath={path} />
      <main className="mx-auto max-w-7xl space-y-6 px-6 py-8">
        <FiringAlertsBanner />
        <PageTitle title="Session monitoring" subtitle="How many sessions are live, and how many users they belong to." />
        <MonitoringPanel initialStatistics={statistics} />
        <HistoryCharts />
        <DistributionPanel />
      </main>
    </>
  );
}
