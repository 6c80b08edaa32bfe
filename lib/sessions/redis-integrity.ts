import type Redis from "ioredis";

import { SHARD_COUNT, type RedisKeyLayout } from "./redis-keys";
import { parseSessionRecord } from "./redis-scripts";
import type { StoreAnomalies } from "./types";

// The integrity check walks the session keys with SCAN in bounded batches. The counts come from
// the indexes, not from this walk. It finds what the indexes cannot show: values written by
// something else, TTLs removed by hand, and records deleted without their index entries.
const scanBatchSize = 1000;

export type AnomalyKind = "unreadable" | "wrong_type" | "no_ttl" | "orphan";

/** An expiry-index entry that the counts must leave out. */
export interface IndexedAnomaly {
  kind: AnomalyKind;
  /** Expiry score in epoch ms. */
  score: number;
}

export interface IntegrityReport {
  anomalies: StoreAnomalies;
  /** Keyed by `<shard>:<token hash>`. */
  indexedAnomalies: Map<string, IndexedAnomaly>;
}

function emptyAnomalies(status: StoreAnomalies["status"]): StoreAnomalies {
  return {
    status,
    unreadable_values: 0,
    wrong_type_keys: 0,
    keys_without_ttl: 0,
    orphan_index_entries: 0,
    unindexed_records: 0,
    scanned_keys: 0,
    checked_at: null,
    error: null,
  };
}

export function pendingIntegrityReport(): IntegrityReport {
  return { anomalies: emptyAnomalies("pending"), indexedAnomalies: new Map() };
}

async function redisNow(redis: Redis): Promise<number> {
  const [seconds, microseconds] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(microseconds) / 1000);
}

/** Classifies one batch of record keys with two pipelined round trips. */
async function inspectRecordKeys(
  redis: Redis,
  layout: RedisKeyLayout,
  keys: string[],
  report: IntegrityReport,
): Promise<void> {
  const parsedKeys = keys.map((key) => ({ key, parsed: layout.parseRecordKey(key) }));
  const targets = parsedKeys.filter((entry) => entry.parsed !== null);

  const typeAndTtl = redis.pipeline();
  for (const { key, parsed } of targets) {
    typeAndTtl.type(key);
    typeAndTtl.pttl(key);
    typeAndTtl.zscore(layout.shard(parsed!.shard).expiryIndex, parsed!.tokenHash);
  }
  const firstReplies = (await typeAndTtl.exec()) ?? [];

  const stringKeys: Array<{ key: string; indexKey: string; score: number | null }> = [];
  targets.forEach(({ key, parsed }, index) => {
    const type = firstReplies[index * 3]?.[1];
    const ttl = Number(firstReplies[index * 3 + 1]?.[1]);
    const scoreReply = firstReplies[index * 3 + 2]?.[1];
    const score = scoreReply === null || scoreReply === undefined ? null : Number(scoreReply);
    const indexKey = `${parsed!.shard}:${parsed!.tokenHash}`;

    report.anomalies.scanned_keys += 1;
    if (type === "none") {
      return;
    }
    if (type !== "string") {
      report.anomalies.wrong_type_keys += 1;
      if (score !== null) report.indexedAnomalies.set(indexKey, { kind: "wrong_type", score });
      return;
    }
    if (ttl === -1) {
      report.anomalies.keys_without_ttl += 1;
      if (score !== null) report.indexedAnomalies.set(indexKey, { kind: "no_ttl", score });
    }
    stringKeys.push({ key, indexKey, score });
  });

  if (stringKeys.length === 0) {
    return;
  }

  const values = redis.pipeline();
  for (const { key } of stringKeys) {
    values.get(key);
  }
  const valueReplies = (await values.exec()) ?? [];
  stringKeys.forEach(({ indexKey, score }, index) => {
    const value = valueReplies[index]?.[1];
    if (typeof value !== "string") {
      return;
    }
    if (!parseSessionRecord(value)) {
      report.anomalies.unreadable_values += 1;
      // A value that is not a record replaces the no-TTL finding: the counts leave it out either way.
      if (score !== null) report.indexedAnomalies.set(indexKey, { kind: "unreadable", score });
    } else if (score === null) {
      report.anomalies.unindexed_records += 1;
    }
  });
}

/** Finds live index entries whose record key no longer exists. */
async function findOrphanEntries(redis: Redis, layout: RedisKeyLayout, now: number, report: IntegrityReport) {
  for (let shard = 0; shard < SHARD_COUNT; shard += 1) {
    const keys = layout.shard(shard);
    let cursor = "0";
    do {
      const [nextCursor, flat] = await redis.zscan(keys.expiryIndex, cursor, "COUNT", scanBatchSize);
      cursor = nextCursor;

      const live: Array<{ member: string; score: number }> = [];
      for (let index = 0; index < flat.length; index += 2) {
        const score = Number(flat[index + 1]);
        if (score > now) live.push({ member: flat[index], score });
      }
      if (live.length === 0) continue;

      const existence = redis.pipeline();
      for (const { member } of live) existence.exists(`${keys.recordPrefix}${member}`);
      const replies = (await existence.exec()) ?? [];

      live.forEach(({ member, score }, index) => {
        if (Number(replies[index]?.[1]) === 0) {
          report.anomalies.orphan_index_entries += 1;
          report.indexedAnomalies.set(`${shard}:${member}`, { kind: "orphan", score });
        }
      });
    } while (cursor !== "0");
  }
}

/**
 * Walks every session key and every expiry index once. Takes about one round trip per thousand
 * keys; meant to run in the background, not per request.
 */
export async function checkRedisIntegrity(redis: Redis, layout: RedisKeyLayout): Promise<IntegrityReport> {
  const report: IntegrityReport = { anomalies: emptyAnomalies("ok"), indexedAnomalies: new Map() };
  const now = await redisNow(redis);

  let cursor = "0";
  do {
    const [nextCursor, keys] = await redis.scan(cursor, "MATCH", layout.recordPattern(), "COUNT", scanBatchSize);
    cursor = nextCursor;
    if (keys.length > 0) {
      await inspectRecordKeys(redis, layout, keys, report);
    }
  } while (cursor !== "0");

  await findOrphanEntries(redis, layout, now, report);

  const { anomalies } = report;
  const found =
    anomalies.unreadable_values +
    anomalies.wrong_type_keys +
    anomalies.keys_without_ttl +
    anomalies.orphan_index_entries +
    anomalies.unindexed_records;
  anomalies.status = found > 0 ? "found" : "ok";
  anomalies.checked_at = new Date(now).toISOString();
  return report;
}
