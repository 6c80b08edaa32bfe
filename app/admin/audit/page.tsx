import type { Metadata } from "next";

import { AppHeader } from "@/app/_components/app-header";
import { AuditTable } from "@/app/_components/audit-table";
import { ErrorState, PageTitle } from "@/app/_components/notices";
import { Pagination } from "@/app/_components/sessions/pagination";
import { StoreUnavailable } from "@/app/_components/store-unavailable";
import { parseAuditQuery, type AuditListQuery } from "@/lib/audit/audit-query";
import { auditActionLabels } from "@/lib/audit/action-labels";
import { listAuditEvents } from "@/lib/audit/list-audit-events";
import { checkAdminPage } from "@/lib/auth/admin-page";
import { AppError } from "@/lib/errors";
import { toSearchParams } from "@/lib/http/search-params";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Audit log" };

const path = "/admin/audit";
const inputClass = "mt-1 block w-full rounded-md border border-slate-300 px-2.5 py-1.5 text-sm focus:border-slate-500 focus:outline-none";

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const access = await checkAdminPage(path);
  if (access.kind === "unavailable") {
    return <StoreUnavailable message={access.message} retryPath={path} />;
  }

  // Empty form fields arrive as empty strings; they mean "no filter".
  const params = toSearchParams(await searchParams);
  for (const [key, value] of [...params]) if (value === "") params.delete(key);

  let query: AuditListQuery | null = null;
  let error: string | null = null;
  let page = null;
  try {
    query = parseAuditQuery(params);
    page = await listAuditEvents(query);
  } catch (caught) {
    if (!AppError.is(caught)) throw caught;
    error = caught.message;
  }

  return (
    <>
      <AppHeader current={access.current} activePath={path} />
      <main className="mx-auto max-w-7xl space-y-5 px-6 py-8">
        <PageTitle title="Audit log" subtitle="Every sign-out action and every admin sign-in and sign-out, newest first." />

        {/* A plain GET form: the filters land in the URL, and it works without JavaScript. */}
        <form method="get" action={path} className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4 text-sm shadow-sm">
          <label className="w-64">
            <span className="text-slate-600">Actor email</span>
            <input name="actor" type="search" defaultValue={query?.actor ?? ""} placeholder="part of an email" className={inputClass} />
          </label>
          <label className="w-64">
            <span className="text-slate-600">Action</span>
            <select name="action" defaultValue={query?.action ?? ""} className={inputClass}>
              <option value="">Any</option>
              {Object.entries(auditActionLabels).map(([action, label]) => (
                <option key={action} value={action}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="rounded-md bg-slate-900 px-3 py-1.5 font-medium text-white hover:bg-slate-800">
            Apply filters
          </button>
        </form>

        {page ? <Pagination basePath={path} params={params} nextCursor={page.next_cursor} onFirstPage={!query?.after} /> : null}
        {error ? <ErrorState title="Could not load the audit log." message={error} /> : null}
        {page ? <AuditTable events={page.events} /> : null}
      </main>
    </>
  );
}
