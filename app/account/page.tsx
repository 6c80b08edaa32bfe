import type { Metadata } from "next";

import { AppHeader } from "@/app/_components/app-header";
import { ChangePasswordForm } from "@/app/_components/change-password-form";
import { LocalTime } from "@/app/_components/local-time";
import { PageTitle } from "@/app/_components/notices";
import { StoreUnavailable } from "@/app/_components/store-unavailable";
import { checkSignedInPage } from "@/lib/auth/admin-page";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Your account" };

export default async function AccountPage({ searchParams }: { searchParams: Promise<{ notice?: string }> }) {
  const access = await checkSignedInPage("/account");
  if (access.kind === "unavailable") {
    return <StoreUnavailable message={access.message} retryPath="/account" />;
  }
  const { current } = access;
  const { notice } = await searchParams;
  const { user, session } = current;

  return (
    <>
      <AppHeader current={current} activePath="/account" />
      <main className="mx-auto max-w-3xl space-y-6 px-6 py-8">
        <PageTitle title="Your account" subtitle="You are signed in to Session Console." />

        {notice === "admin-only" && user.role !== "admin" ? (
          <div role="alert" data-testid="admin-only-notice" className="rounded-lg border border-slate-300 bg-white px-4 py-3 text-sm text-slate-700">
            The admin pages need an account with the admin role. Ask an admin to change your role.
          </div>
        ) : null}

        <dl className="grid grid-cols-1 gap-x-6 gap-y-4 rounded-lg border border-slate-200 bg-white p-6 text-sm shadow-sm sm:grid-cols-2">
          <div>
            <dt className="text-slate-500">Email</dt>
            <dd className="mt-1 font-medium" data-testid="account-email">{user.email}</dd>
          </div>
          <div>
            <dt className="text-slate-500">Role</dt>
            <dd className="mt-1 font-medium" data-testid="account-role">{user.role}</dd>
          </div>
          <div>
            <dt className="text-slate-500">Signed in</dt>
            <dd className="mt-1"><LocalTime iso={session.createdAt.toISOString()} withDate /></dd>
          </div>
          <div>
            <dt className="text-slate-500">Ends if you stay inactive until</dt>
            <dd className="mt-1"><LocalTime iso={session.expiresAt.toISOString()} withDate /></dd>
          </div>
          <div>
            <dt className="text-slate-500">Ends at the latest</dt>
            <dd className="mt-1"><LocalTime iso={session.absoluteExpiresAt.toISOString()} withDate /></dd>
          </div>
        </dl>

        <ChangePasswordForm email={user.email} />
      </main>
    </>
  );
}
