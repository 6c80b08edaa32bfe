import Link from "next/link";

/** Keyset pagination: back to the first page, or on to the next one. */
export function Pagination({
  basePath,
  params,
  nextCursor,
  onFirstPage,
}: {
  basePath: string;
  params: URLSearchParams;
  nextCursor: string | null;
  onFirstPage: boolean;
}) {
  const first = new URLSearchParams(params);
  first.delete("cursor");
  const next = new URLSearchParams(params);
  if (nextCursor) next.set("cursor", nextCursor);

  const link = (query: URLSearchParams) => (query.toString() ? `${basePath}?${query}` : basePath);
  const buttonClass = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100";

  return (
    <nav className="flex items-center justify-end gap-2" aria-label="Pages">
      {onFirstPage ? null : (
        <Link href={link(first)} className={buttonClass} data-testid="first-page">
          ← First page
        </Link>
      )}
      {nextCursor ? (
        <Link href={link(next)} className={buttonClass} data-testid="next-page">
          Next page →
        </Link>
      ) : (
        <span className="text-sm text-slate-500">End of the list</span>
      )}
    </nav>
  );
}
