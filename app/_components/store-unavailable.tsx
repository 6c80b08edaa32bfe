import { ErrorState } from "./notices";

/** Renders the whole page when no session store can identify the visitor. */
export function StoreUnavailable({ message, retryPath }: { message: string; retryPath: string }) {
  return (
    <main className="mx-auto max-w-2xl space-y-4 px-6 py-16">
      <h1 className="text-2xl font-semibold tracking-tight">Session Console</h1>
      <ErrorState title="The session store is not responding." message={message} />
      <p className="text-sm text-slate-600">
        No numbers are shown rather than wrong ones. The page works again as soon as Redis or PostgreSQL answers.
      </p>
      <a
        href={retryPath}
        className="inline-block rounded-md bg-slate-900 px-3 py-2 text-sm font-medium text-white hover:bg-slate-800"
      >
        Try again
      </a>
    </main>
  );
}
