import "server-only";

import { processSingleton } from "@/lib/process-singleton";

import { getMetrics } from "./registry";

export const storeOperations = ["validate", "create", "revoke", "count"] as const;
export type StoreOperation = (typeof storeOperations)[number];
export type LatencyStore = "redis" | "database";

interface Sample {
  at: number;
  ms: number;
}

// Per operation and store, the most recent samples; the summary looks at the last few minutes.
const maxSamples = 5_000;
export const LATENCY_WINDOW_MS = 5 * 60_000;

function windows() {
  return processSingleton("store-latency-windows", () => new Map<string, Sample[]>());
}

/** Records how long one store operation took, for the console's summary and for Prometheus. */
export function recordStoreLatency(operation: StoreOperation, store: LatencyStore, milliseconds: number): void {
  getMetrics().storeOperationSeconds.observe({ operation, store }, milliseconds / 1000);

  const key = `${operation}:${store}`;
  const samples = windows().get(key) ?? [];
  samples.push({ at: Date.now(), ms: milliseconds });
  if (samples.length > maxSamples) samples.splice(0, samples.length - maxSamples);
  windows().set(key, samples);
}

/** Times `work` and records it under the store that served it, which the callback reports. */
export async function timeStoreOperation<T>(operation: StoreOperation, store: LatencyStore, work: () => Promise<T>): Promise<T> {
  const startedAt = performance.now();
  try {
    return await work();
  } finally {
    recordStoreLatency(operation, store, performance.now() - startedAt);
  }
}

export interface LatencySummary {
  operation: StoreOperation;
  store: LatencyStore;
  count: number;
  p50_ms: number;
  p95_ms: number;
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
}

/** p50 and p95 of each operation and store over the last LATENCY_WINDOW_MS, in this process. */
export function summarizeStoreLatency(now = Date.now()): LatencySummary[] {
  const summaries: LatencySummary[] = [];
  for (const [key, samples] of windows()) {
    const [operation, store] = key.split(":") as [StoreOperation, LatencyStore];
    const recent = samples.filter((sample) => now - sample.at <= LATENCY_WINDOW_MS).map((sample) => sample.ms);
    if (recent.length === 0) continue;
    recent.sort((a, b) => a - b);
    const round = (value: number) => Math.round(value * 1000) / 1000;
    summaries.push({ operation, store, count: recent.length, p50_ms: round(percentile(recent, 0.5)), p95_ms: round(percentile(recent, 0.95)) });
  }
  return summaries.sort((a, b) => storeOperations.indexOf(a.operation) - storeOperations.indexOf(b.operation));
}
