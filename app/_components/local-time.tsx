"use client";

import { useSyncExternalStore } from "react";

const subscribeNever = () => () => {};

function formatUtc(date: Date): string {
  return `${date.toISOString().slice(11, 19)} UTC`;
}

/**
 * A time that renders identically on the server and in the first client render (UTC), then
 * switches to the browser's time zone once hydrated, so it never causes a hydration mismatch.
 */
export function LocalTime({ iso, withDate = false }: { iso: string; withDate?: boolean }) {
  const hydrated = useSyncExternalStore(subscribeNever, () => true, () => false);
  const date = new Date(iso);

  let text = formatUtc(date);
  if (hydrated) {
    text = withDate ? date.toLocaleString() : date.toLocaleTimeString();
  }

  return (
    <time dateTime={iso} title={iso}>
      {text}
    </time>
  );
}
