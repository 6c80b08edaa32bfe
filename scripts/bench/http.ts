import autocannon from "autocannon";

import { ADMIN, startConsoleServer, type ConsoleServer } from "../../tests/support/console-server";
import { signIn, type CookieJar } from "../../tests/support/http";

import { measure, measurePair } from "./measure";
import type { ThroughputResult } from "./report";
import type { Measured } from "./operations";

export interface BenchServer {
  server: ConsoleServer;
  jar: CookieJar;
}

/** Starts the production build against the benchmark's stores and signs the admin in. */
export async function startBenchServer(env: Record<string, string>): Promise<BenchServer> {
  const server = await startConsoleServer({
    ...env,
    LOG_LEVEL: "error",
    // The background keyspace check walks every key; it would run in the middle of a measurement.
    SESSION_INTEGRITY_SCAN_INTERVAL_SECONDS: "0",
  });
  const jar = await signIn(server.baseUrl, ADMIN.email, ADMIN.password);
  if (!jar) throw new Error(`could not sign in to the benchmark server:\n${server.logs()}`);
  return { server, jar };
}

async function get(url: string, cookie?: string): Promise<void> {
  const response = await fetch(url, { headers: cookie ? { cookie } : {} });
  if (!response.ok) throw new Error(`GET ${url} failed with HTTP ${response.status}`);
  await response.arrayBuffer();
}

/** Measures the statistics route against the trivial route, the floor, one request at a time. */
export async function measureHttp({ server, jar }: BenchServer, reps: number): Promise<Measured> {
  const cookie = jar.header();
  // The statistics route against the trivial one, alternately, so their ratio is fair.
  const [trivial, statistics] = await measurePair(
    () => get(`${server.baseUrl}/api/health`),
    () => get(`${server.baseUrl}/admin/session-health/statistics`, cookie),
    { warmup: 20, reps: Math.max(reps, 100) },
  );
  return {
    "http-trivial": trivial,
    "http-statistics": statistics,
    "http-me": await measure(() => get(`${server.baseUrl}/api/me`, cookie), { warmup: 20, reps }),
  };
}

async function run(url: string, cookie: string | undefined, seconds: number): Promise<{ rps: number; p50: number }> {
  const result = await autocannon({
    url,
    connections: 10,
    duration: seconds,
    headers: cookie ? { cookie } : {},
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx responses and ${result.errors} errors under load`);
  }
  return { rps: Math.round(result.requests.average), p50: result.latency.p50 };
}

/**
 * Throughput of a route without sign-in (/api/health) and of the same trivial work behind session
 * validation (/api/me), 10 connections for `seconds` each, on loopback.
 */
export async function measureThroughput({ server, jar }: BenchServer, seconds: number): Promise<ThroughputResult[]> {
  const open = await run(`${server.baseUrl}/api/health`, undefined, seconds);
  const signedIn = await run(`${server.baseUrl}/api/me`, jar.header(), seconds);
  return [
    { route: "GET /api/health", authenticated: false, requests_per_second: open.rps, latency_p50_ms: open.p50 },
    { route: "GET /api/me", authenticated: true, requests_per_second: signedIn.rps, latency_p50_ms: signedIn.p50 },
  ];
}
