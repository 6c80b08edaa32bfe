import "server-only";

import { Counter, Histogram, Registry } from "prom-client";

import { processSingleton } from "@/lib/process-singleton";

/**
 * The process's Prometheus registry. Counters and histograms count what this process did; the
 * session gauges are read from the stores at scrape time (see metrics-collector.ts).
 */
export function getMetrics() {
  return processSingleton("metrics", () => {
    const registry = new Registry();
    return {
      registry,
      storeOperationSeconds: new Histogram({
        name: "session_store_operation_seconds",
        help: "Time of session store operations as the application sees them, by operation and store.",
        labelNames: ["operation", "store"] as const,
        // From a fast Redis round trip to a slow fallback.
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers: [registry],
      }),
      signIns: new Counter({
        name: "session_sign_ins_total",
        help: "Sessions created by sign-in in this process.",
        registers: [registry],
      }),
      signOuts: new Counter({
        name: "session_sign_outs_total",
        help: "Sessions ended by their own user signing out, in this process.",
        registers: [registry],
      }),
      revocations: new Counter({
        name: "session_revocations_total",
        help: "Sessions ended by an admin or by a user signing out their other sessions, in this process.",
        registers: [registry],
      }),
    };
  });
}
