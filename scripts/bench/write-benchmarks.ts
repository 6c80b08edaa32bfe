// npm run bench:markdown -- [bench-results/latest.json] [BENCHMARKS.md]
// Turns the JSON of a benchmark run into BENCHMARKS.md: the performance targets with a verdict
// each, then every figure. Kept apart from the run so the page can be rebuilt without re-measuring.
import { readFileSync, writeFileSync } from "node:fs";

import type { Report, Result } from "./report";

const [input = "bench-results/latest.json", output = "BENCHMARKS.md"] = process.argv.slice(2);
const report = JSON.parse(readFileSync(input, "utf8")) as Report;
const largest = Math.max(...report.results.map((row) => row.size));

const ms = (value: number) => `${value} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
const count = (value: number) => value.toLocaleString("en-US");

function figure(store: Result["store"], operation: string, size = largest): Result {
  const row = report.results.find((entry) => entry.store === store && entry.operation === operation && entry.size === size);
  if (!row) throw new Error(`the report has no ${store} ${operation} at ${size} sessions`);
  return row;
}

function memory(store: string, size = largest): number {
  const row = report.memory.find((entry) => entry.store === store && entry.size === size);
  if (!row) throw new Error(`the report has no memory figure for ${store} at ${size} sessions`);
  return row.bytes_per_session;
}

const verdict = (met: boolean) => (met ? "met" : "missed");

function targetRows(): string[] {
  const ping = figure("redis", "ping");
  const statistics = figure("redis", "statistics");
  const trivial = figure("redis", "http-trivial");
  const route = figure("redis", "http-statistics");
  const postgres = figure("postgres", "statistics");
  const fullScan = figure("postgres", "statistics-full-scan");
  const validate = figure("redis", "validate");
  const firstPage = figure("redis", "list-first-page");
  const middlePage = figure("redis", "list-middle-page");
  const offsetPage = figure("redis", "list-offset-middle-page");
  const cleanup = figure("redis", "cleanup-batch");
  const naive = figure("redis", "connect-redis-length");
  const open = report.throughput.find((row) => !row.authenticated);
  const signedIn = report.throughput.find((row) => row.authenticated);
  const redisBytes = memory("redis");
  const slowestPage = Math.max(
    ...report.results.filter((row) => row.operation.startsWith("list-") && !row.operation.includes("offset")).map((row) => row.median_ms),
  );

  const rows = [
    ["Redis statistics within 2x of a PING", `${ms(statistics.median_ms)} vs PING ${ms(ping.median_ms)}: ${ratio(statistics.median_ms, ping.median_ms)}`, statistics.median_ms <= 2 * ping.median_ms],
    ["statistics route within 1.5x of the trivial route", `${ms(route.median_ms)} vs ${ms(trivial.median_ms)}: ${ratio(route.median_ms, trivial.median_ms)}`, route.median_ms <= 1.5 * trivial.median_ms],
    ["PostgreSQL statistics 10 ms or less", `${ms(postgres.median_ms)} (p95 ${ms(postgres.p95_ms)}); the full-scan count takes ${ms(fullScan.median_ms)}`, postgres.p95_ms <= 10],
    // The round trip is counted by a test (one EVALSHA per validation); the time is shown beside PING.
    ["validation: one Redis round trip", `one EVALSHA (counted in tests/sessions/validation-round-trip.test.ts), ${ms(validate.median_ms)} vs PING ${ms(ping.median_ms)}`, true],
  ];
  if (open && signedIn) {
    const share = signedIn.requests_per_second / open.requests_per_second;
    rows.push([
      "signed-in route at 80% of the open one",
      `${signedIn.requests_per_second} vs ${open.requests_per_second} requests/s: ${Math.round(share * 100)}%`,
      share >= 0.8,
    ]);
  }
  rows.push(
    ["Redis under 408 bytes per session", `${redisBytes} bytes (connect-redis: ${memory("connect-redis")})`, redisBytes < 408],
    ["any page under 5 ms, no OFFSET", `first ${ms(firstPage.median_ms)}, middle ${ms(middlePage.median_ms)}, slowest kind ${ms(slowestPage)} (OFFSET: ${ms(offsetPage.median_ms)})`, slowestPage < 5],
    ["cleanup never blocks Redis for more than a few ms", `${ms(cleanup.median_ms)} per batch of 500, p95 ${ms(cleanup.p95_ms)}`, cleanup.p95_ms < 10],
  );

  return [
    "| target | measured | verdict |",
    "| --- | --- | --- |",
    ...rows.map(([target, measured, met]) => `| ${target} | ${measured} | ${verdict(met as boolean)} |`),
    `| naive reference | connect-redis \`length()\` ${ms(naive.median_ms)} at ${count(largest)} | - |`,
  ];
}

const notes = `## What each operation measures

- \`ping\`: a Redis PING from the same client, the round-trip floor.
- \`statistics\`: one count of the store itself, uncached: in Redis one script over the shard's
  indexes (one script per shard on the cluster), in PostgreSQL the trigger-kept counters.
  \`statistics-full-scan\` is the naive \`count(*) ... filter (...)\` over the table, for contrast.
- \`validate\`, \`create\`, \`revoke\`: the store's own operations on sample sessions; validation of a
  session touched within the minute, as most requests are.
- \`list-*-page\`: the session list as the admin page reads it, 50 rows, newest first, by keyset,
  with the Redis overlay of last activity. \`list-offset-middle-page\` is the same middle page by
  OFFSET, for contrast. The browser, status and CIDR pages use their indexes; the email page first
  finds the matching users through a trigram index.
- \`http-trivial\`: \`GET /api/health\` on \`next start\` of the production build, no sign-in.
  \`http-me\`: \`GET /api/me\`, the same trivial work behind session validation.
  \`http-statistics\`: the statistics route as a dashboard polls it (counted at most once a second).
- \`connect-redis-length\`: connect-redis 8.1.0 \`length()\` over the same sessions stored the naive
  way (one JSON string each, counted by SCAN), on a Redis server of its own.
- \`cleanup-batch\`: one call of the expired-entry cleanup, each removing at most 500 entries.

Redis bytes per session are the growth of \`used_memory\` while the sessions load, divided by
their number: every key of a session, indexes included. The full record (agent, address,
country) lives in PostgreSQL; Redis keeps a 28-character record with what validation and
counting need.

The benchmark turns the console's background keyspace check off (it walks every key) so that it
does not run in the middle of a measurement; in production it runs once an hour, paced at about
100,000 keys a second.
`;

const page = [
  "# Benchmarks",
  "",
  "Measured with `npm run bench`, which starts its own Redis servers (one for the console, one for the naive reference, and a 3-master cluster) on loopback ports, creates a throwaway PostgreSQL database on the local server, loads the sessions, and removes everything afterwards. Sessions average five per user; nine in ten are active and one in ten idle past its timeout; one in twenty is revoked. Each figure is the median and 95th percentile of at least 20 runs after a warm-up, one call at a time, on a busy 2-core machine that also runs the servers, so the p95 column carries the noise of everything else on it.",
  "",
  `- Command: \`${report.command}\`, then \`npm run bench:markdown\` for this page`,
  `- Machine: ${report.machine}`,
  `- Date: ${report.date}`,
  "",
  `## Targets at ${count(largest)} sessions`,
  "",
  ...targetRows(),
  "",
  "## All figures",
  "",
  "| store | size | operation | median ms | p95 ms |",
  "| --- | ---: | --- | ---: | ---: |",
  ...report.results.map((row) => `| ${row.store} | ${count(row.size)} | ${row.operation} | ${row.median_ms} | ${row.p95_ms} |`),
  "",
  "## Memory",
  "",
  "| store | size | bytes per session | table bytes | index bytes |",
  "| --- | ---: | ---: | ---: | ---: |",
  ...report.memory.map(
    (row) => `| ${row.store} | ${count(row.size)} | ${row.bytes_per_session} | ${row.table_bytes ?? ""} | ${row.index_bytes ?? ""} |`,
  ),
  "",
  "## Load rate",
  "",
  "| store | size | sessions per second |",
  "| --- | ---: | ---: |",
  ...report.load.map((row) => `| ${row.store} | ${count(row.size)} | ${row.sessions_per_second} |`),
  "",
  ...(report.throughput.length > 0
    ? [
        `## Throughput (10 connections, 5 s each, at ${count(largest)} sessions)`,
        "",
        "| route | signed in | requests per second | latency p50 ms |",
        "| --- | --- | ---: | ---: |",
        ...report.throughput.map((row) => `| ${row.route} | ${row.authenticated ? "yes" : "no"} | ${row.requests_per_second} | ${row.latency_p50_ms} |`),
        "",
      ]
    : []),
  notes,
].join("\n");

writeFileSync(output, page);
console.log(`wrote ${output} from ${input}`);
