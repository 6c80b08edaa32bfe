import type { Metadata } from "next";

import { AppHeader } from "@/app/_components/app-header";
import { ErrorState, PageTitle } from "@/app/_components/notices";
import { SessionTable } from "@/app/_components/sessions/session-table";
import { SignOutOthersButton } from "@/app/_components/sessions/sign-out-others-button";
import { StoreUnavailable } from "@/app/_components/store-unavailable";
import { checkSignedInPage } from "@/lib/auth/admin-page";
import { AppError } from "@/lib/errors";
import { getSessionManager } from "@/lib/sessions";
import { MAX_PAGE_SIZE } from "@/lib/sessions/list-query";
import { listSessions, type SessionListPage } from "@/lib/sessions/list-sessions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Your sessions" };

const path = "/account/sessions";

export default async function AccountSessionsPage() {
  const access = await checkSignedInPage(path);
  if (access.kind === "unavailable") {
    return <StoreUnavailable message={access.message} retryPath={path} />;
  }
  const { current } = access;

  let page: SessionListPage | null = null;
  let error: string | null = null;
  try {
    const filter = { user_id: current.user.id, status: "active" as const };
    page = await listSessions(getSessionManager(), { filter, limit: MAX_PAGE_SIZE, cursor: null }, current.session.tokenHash);
  } catch (caught) {
    if (!AppError.is(caught)) throw caught;
    error = caught.message;
  }
  const others = page ? page.sessions.filter((session) => !session.is_current).length : 0;

  return (
    <>
      <AppHeader current={current} activePath={path} />
      <main className="mx-auto max-w-7xl space-y-5 px-6 py-8">
        <PageTitle title="Your sessions" subtitle="The devices where you are signed in right now." />
        <SignOutOthersButton otherCount={others} />
        {error ? <ErrorState title="Could not list your sessions." message={error} /> : null}
        {page ? (
          <SessionTable sessions={page.sessions} showUser={false} actionPath="/api/account/sessions" emptyMessage="You have no active sessions." />
        ) : null}
        {page?.next_cursor ? (
          <p className="text-sm text-slate-500">Showing your {MAX_PAGE_SIZE} newest sessions.</p>
        ) : null}
      </main>
    </>
  );
}
