import type { Metadata } from "next";

import { AppHeader } from "@/app/_components/app-header";
import { ErrorState, PageTitle } from "@/app/_components/notices";
import { BulkSignOutButton } from "@/app/_components/sessions/bulk-sign-out";
import { Pagination } from "@/app/_components/sessions/pagination";
import { SessionFilterForm } from "@/app/_components/sessions/session-filter-form";
import { SessionTable } from "@/app/_components/sessions/session-table";
import { StoreUnavailable } from "@/app/_components/store-unavailable";
import { checkAdminPage } from "@/lib/auth/admin-page";
import { AppError } from "@/lib/errors";
import { toSearchParams } from "@/lib/http/search-params";
import { getSessionManager } from "@/lib/sessions";
import { parseListQuery, type ListQuery } from "@/lib/sessions/list-query";
import { listSessions, type SessionListPage } from "@/lib/sessions/list-sessions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sessions" };

const path = "/admin/sessions";

async function loadPage(params: URLSearchParams, currentTokenHash: string) {
  let query: ListQuery;
  try {
    query = parseListQuery(params);
  } catch (error) {
    if (AppError.is(error)) return { error: `Invalid filter: ${error.message}.`, query: null, page: null };
    throw error;
  }

  try {
    const page: SessionListPage = await listSessions(getSessionManager(), query, currentTokenHash);
    return { error: null, query, page };
  } catch (error) {
    if (AppError.is(error)) return { error: error.message, query, page: null };
    throw error;
  }
}

export default async function SessionsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const access = await checkAdminPage(path);
  if (access.kind === "unavailable") {
    return <StoreUnavailable message={access.message} retryPath={path} />;
  }
  const { current } = access;

  const params = toSearchParams(await searchParams);
  const { error, query, page } = await loadPage(params, current.session.tokenHash);
  const filter = query?.filter ?? {};
  const filtered = Object.keys(filter).length > 0;

  return (
    <>
      <AppHeader current={current} activePath={path} />
      <main className="mx-auto max-w-7xl space-y-5 px-6 py-8">
        <PageTitle title="Sessions" subtitle="Every session of every user, newest first." />
        <SessionFilterForm filter={filter} basePath={path} />

        <div className="flex flex-wrap items-center justify-between gap-3">
          <div className="flex flex-wrap gap-3">
            {filtered ? (
              <BulkSignOutButton filter={filter} label="Sign out matching sessions" title="Sign out every session that matches the filters?" />
            ) : null}
            <BulkSignOutButton filter={{}} label="Sign out everyone except me" title="Sign out every other session?" />
          </div>
          {page ? <Pagination basePath={path} params={params} nextCursor={page.next_cursor} onFirstPage={!query?.cursor} /> : null}
        </div>

        {error ? <ErrorState title="Could not list the sessions." message={error} /> : null}
        {page ? (
          <SessionTable
            sessions={page.sessions}
            showUser
            actionPath="/api/admin/sessions"
            emptyMessage={filtered ? "No session matches these filters." : "No sessions yet. They appear here as users sign in."}
          />
        ) : null}
      </main>
    </>
  );
}
