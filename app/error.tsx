"use client";

// Shown when a page cannot render, most often because no session store answers.
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="mx-auto flex min-h-screen max-w-lg flex-col justify-center px-6">
      <div role="alert" data-testid="error-state" className="rounded-lg border border-red-200 bg-white p-6 shadow-sm">
        <h1 className="text-lg font-semibold text-red-800">This page could not load</h1>
        <p className="mt-2 text-sm text-slate-600">
          The session store may be unavailable. The numbers are not shown rather than shown wrong.
        </p>
        {error.digest ? <p className="mt-2 text-xs text-slate-400">Reference: {error.digest}</p> : null}
        <button
          type="button"
          onClick={reset}
          className="mt-4 rounded-md bg-slate-900 px-3 py-2 text-sm font-medium text-white hover:bg-slate-800"
        >
          Try again
        </button>
      </div>
    </main>
  );
}
