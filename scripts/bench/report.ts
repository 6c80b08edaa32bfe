import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname } from "node:path";

export interface Result {
  store: "redis" | "postgres" | "redis-cluster";
  size: number;
  operation: string;
  median_ms: number;
  p95_ms: number;
}

export interface MemoryResult {
  store: "redis" | "postgres" | "connect-redis";
  size: number;
  bytes_per_session: number;
  /** PostgreSQL only: table and index sizes in bytes. */
  table_bytes?: number;
  index_bytes?: number;
}

export interface LoadResult {
  store: string;
  size: number;
  sessions_per_second: number;
}

export interface ThroughputResult {
  route: string;
  authenticated: boolean;
  requests_per_second: number;
  latency_p50_ms: number;
}

export interface Report {
  machine: string;
  date: string;
  command: string;
  results: Result[];
  memory: MemoryResult[];
  load: LoadResult[];
  throughput: ThroughputResult[];
}

export function describeMachine(versions: { redis: string; postgres: string }): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const memory = Math.round(os.totalmem() / 2 ** 30);
  return `${os.cpus().length} x ${cpu}, ${memory} GiB, ${os.platform()} ${os.release()}, Node.js ${process.version}, Redis ${versions.redis}, PostgreSQL ${versions.postgres}`;
}

const pad = (text: string, width: number) => text.padEnd(width);

/** Prints the results as Markdown tables, ready for BENCHMARKS.md. */
export function formatMarkdown(report: Report): string {
  const lines = [
    `Command: \`${report.command}\``,
    `Machine: ${report.machine}`,
    `Date: ${report.date}`,
    "",
    "| store | size | operation | median ms | p95 ms |",
    "| --- | ---: | --- | ---: | ---: |",
    ...report.results.map((row) => `| ${row.store} | ${row.size.toLocaleString("en-US")} | ${row.operation} | ${row.median_ms} | ${row.p95_ms} |`),
    "",
    "| store | size | bytes per session | table bytes | index bytes |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...report.memory.map(
      (row) =>
        `| ${row.store} | ${row.size.toLocaleString("en-US")} | ${row.bytes_per_session} | ${row.table_bytes ?? ""} | ${row.index_bytes ?? ""} |`,
    ),
    "",
    "| load | size | sessions per second |",
    "| --- | ---: | ---: |",
    ...report.load.map((row) => `| ${row.store} | ${row.size.toLocaleString("en-US")} | ${row.sessions_per_second} |`),
    "",
    "| route | signed in | requests per second | latency p50 ms |",
    "| --- | --- | ---: | ---: |",
    ...report.throughput.map((row) => `| ${row.route} | ${row.authenticated ? "yes" : "no"} | ${row.requests_per_second} | ${row.latency_p50_ms} |`),
  ];
  return lines.map((line) => pad(line, 0)).join("\n");
}

export function writeReport(path: string, report: Report): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}
