import type { Metadata } from "next";
import { redirect } from "next/navigation";

import { getCurrentSession } from "@/lib/auth/current-session";

import { LoginForm } from "./login-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

// Only same-site paths: an absolute callbackUrl would make this page an open redirect.
function safeCallbackUrl(value: string | undefined): string {
  return value && value.startsWith("/") && !value.startsWith("//") ? value : "/";
}

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string; error?: string; signedOut?: string }>;
}) {
  const { callbackUrl, error, signedOut } = await searchParams;
  const current = await getCurrentSession().catch(() => null);
  if (current) {
    redirect(safeCallbackUrl(callbackUrl));
  }

  return (
    <main className="flex min-h-screen items-center justify-center px-6">
      <div className="w-full max-w-sm">
        <h1 className="text-center text-2xl font-semibold tracking-tight">Session Console</h1>
        <p className="mt-2 text-center text-sm text-slate-500">Sign in to watch and manage sessions.</p>
        {signedOut ? (
          <p role="status" data-testid="signed-out" className="mt-6 rounded-md bg-emerald-50 px-3 py-2 text-center text-sm text-emerald-800">
            You are signed out.
          </p>
        ) : null}
        <LoginForm callbackUrl={safeCallbackUrl(callbackUrl)} initialError={error ?? null} />
      </div>
    </main>
  );
}
