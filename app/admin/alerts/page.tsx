import type { Metadata } from "next";

import { AlertsPanel } from "@/app/_components/alerts-panel";
import { AppHeader } from "@/app/_components/app-header";
import { PageTitle } from "@/app/_components/notices";
import { StoreUnavailable } from "@/app/_components/store-unavailable";
import { readAlertsOverview } from "@/lib/alerts/alerts-overview";
import { checkAdminPage } from "@/lib/auth/admin-page";
import { getDatabase } from "@/lib/startup";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Alerts" };

const path = "/admin/alerts";

export default async function AlertsPage() {
  const access = await checkAdminPage(path);
  if (access.kind === "unavailable") {
    return <StoreUnavailable message={access.message} retryPath={path} />;
  }

  // When PostgreSQL does not respond, the panel loads through the JSON route and shows its error.
  const overview = await getDatabase()
    .then(readAlertsOverview)
    .catch(() => undefined);

  return (
    <>
      <AppHeader current={access.current} activePath={path} />
      <main className="mx-auto max-w-7xl space-y-6 px-6 py-8">
        <PageTitle title="Alerts" subtitle="Rules evaluated once a minute, their current state, and the messages sent to the webhook." />
        <AlertsPanel initialAlerts={overview} />
      </main>
    </>
  );
}
