import type { ReactNode } from "react";

export function FallbackBanner({ reason }: { reason: string | null }) {
  return (
    <div
      role="alert"
      data-testid="fallback-banner"
      className="rounded-lg border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900"
    >
      <strong className="font-semibold">Redis is unavailable: sessions are served from PostgreSQL.</strong>{" "}
      Sign-in and session checks keep working; the console switches back to Redis by itself when it answers
      again.
      {reason ? <span className="mt-1 block text-amber-800">Reason: {reason}</span> : null}
    </div>
  );
}

export function ErrorState({ title, message }: { title: string; message: string }) {
  return (
    <div role="alert" data-testid="error-state" className="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
      <strong className="font-semibold">{title}</strong>
      <span className="mt-1 block">{message}</span>
    </div>
  );
}

export function LoadingCards({ count }: { count: number }) {
  return (
    <div className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-4" data-testid="loading">
      {Array.from({ length: count }, (_, index) => (
        <div key={index} className="h-28 animate-pulse rounded-lg border border-slate-200 bg-white" />
      ))}
    </div>
  );
}

export function PageTitle({ title, subtitle }: { title: string; subtitle: ReactNode }) {
  return (
    <div>
      <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
      <p className="mt-1 text-sm text-slate-500">{subtitle}</p>
    </div>
  );
}
