/** Turns a page's `searchParams` object back into URLSearchParams, keeping repeated keys. */
export function toSearchParams(values: Record<string, string | string[] | undefined>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      params.append(key, item);
    }
  }
  return params;
}
