import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { z } from "zod";

import { AppHeader } from "@/app/_components/app-header";
import { ErrorState, PageTitle } from "@/app/_components/notices";
import { BulkSignOutButton } from "@/app/_components/sessions/bulk-sign-out";
import { Pagination } from "@/app/_components/sessions/pagination";
import { SessionTable } from "@/app/_components/sessions/session-table";
import { StoreUnavailable } from "@/app/_components/store-unavailable";
import { UserRoleForm } from "@/app/_components/user-role-form";
import { checkAdminPage } from "@/lib/auth/admin-page";
import { findUserById } from "@/lib/db/queries/users";
import { AppError } from "@/lib/errors";
import { toSearchParams } from "@/lib/http/search-params";
import { getSessionManager } from "@/lib/sessions";
import { parsePageQuery } from "@/lib/sessions/list-query";
import { listSessions } from "@/lib/sessions/list-sessions";
import { getDatabase } from "@/lib/startup";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "User sessions" };

export default async function UserSessionsPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  const path = `/admin/users/${id}`;
  const access = await checkAdminPage(path);
  if (access.kind === "unavailable") {
    return <StoreUnavailable message={access.message} retryPath={path} />;
  }
  const { current } = access;

  if (!z.uuid().safeParse(id).success) notFound();
  const user = await findUserById(await getDatabase(), id);
  if (!user) notFound();

  const query = toSearchParams(await searchParams);
  let error: string | null = null;
  let page = null;
  let onFirstPage = true;
  try {
    const { limit, cursor } = parsePageQuery(query);
    onFirstPage = cursor === null;
    page = await listSessions(getSessionManager(), { filter: { user_id: user.id }, limit, cursor }, current.session.tokenHash);
  } catch (caught) {
    if (!AppError.is(caught)) throw caught;
    error = caught.message;
  }

  return (
    <>
      <AppHeader current={current} activePath="/admin/sessions" />
      <main className="mx-auto max-w-7xl space-y-5 px-6 py-8">
        <PageTitle
          title={user.email}
          subtitle={`${user.name ?? "No name"} · ${user.role} · account created ${user.createdAt.toISOString().slice(0, 10)}`}
        />
        <UserRoleForm userId={user.id} email={user.email} role={user.role} isSelf={user.id === current.user.id} />
        <div className="flex flex-wrap items-center justify-between gap-3">
          <BulkSignOutButton
            filter={{ user_id: user.id }}
            label="Sign out all sessions"
            title={`Sign out every session of ${user.email}?`}
          />
          {page ? <Pagination basePath={path} params={query} nextCursor={page.next_cursor} onFirstPage={onFirstPage} /> : null}
        </div>
        {error ? <ErrorState title="Could not list the sessions." message={error} /> : null}
        {page ? (
          <SessionTable sessions={page.sessions} showUser={false} actionPath="/api/admin/sessions" emptyMessage="This user has no sessions." />
        ) : null}
      </main>
    </>
  );
}
