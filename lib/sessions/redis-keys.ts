/*
 * Redis key layout of the session store.
 *
 * Sessions are spread over SHARD_COUNT shards by user id. Every key of one shard carries the hash
 * tag `{<prefix>:<shard>}`, so in Redis Cluster all keys of a shard live in one slot and every
 * script below touches a single slot. All of one user's keys share the user's shard, so signing a
 * user out everywhere is one atomic script.
 *
 *   {sc:7}:s:<token hash>   STRING  the session record (format in redis-record.ts), with a TTL
 *                                   that ends exactly at the session's expiry (PXAT)
 *   {sc:7}:exp              ZSET    member: token hash, score: expiry in epoch ms. Counts use
 *                                   ZCARD and ZCOUNT on it, never SCAN.
 *   {sc:7}:users            ZSET    member: user id, score: the latest expiry among that user's
 *                                   sessions; ZCOUNT(now, +inf) is the number of active users
 *   {sc:7}:u:<user id>      ZSET    member: token hash, score: expiry; one user's sessions. Its TTL
 *                                   is the latest expiry, so it disappears with the last session.
 *
 * Every write goes through one Lua script that updates the record and all three indexes together,
 * and every write of the record sets its TTL again (SET ... PXAT), so no update drops a TTL.
 */

export const SHARD_COUNT = 16;

/** FNV-1a over the UTF-16 code units; stable across processes and versions. */
export function shardOfUser(userId: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < userId.length; index += 1) {
    hash ^= userId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % SHARD_COUNT;
}

export interface ShardKeys {
  /** Prefix of the record keys of this shard; the token hash follows it. */
  recordPrefix: string;
  expiryIndex: string;
  userIndex: string;
}

export class RedisKeyLayout {
  constructor(private readonly prefix: string) {}

  shard(shard: number): ShardKeys {
    const tag = `{${this.prefix}:${shard}}`;
    return { recordPrefix: `${tag}:s:`, expiryIndex: `${tag}:exp`, userIndex: `${tag}:users` };
  }

  /** The four keys a session write touches, in the order the scripts expect them. */
  sessionKeys(tokenHash: string, userId: string): [record: string, expiryIndex: string, userIndex: string, userSessions: string] {
    const shard = shardOfUser(userId);
    const tag = `{${this.prefix}:${shard}}`;
    return [`${tag}:s:${tokenHash}`, `${tag}:exp`, `${tag}:users`, `${tag}:u:${userId}`];
  }

  /** SCAN pattern that matches the record keys of every shard and nothing else of ours. */
  recordPattern(): string {
    return `{${this.prefix}:*}:s:*`;
  }

  /** Splits a record key into its shard and token hash; null for keys that are not records. */
  parseRecordKey(key: string): { shard: number; tokenHash: string } | null {
    const match = /^\{([^}]*):(\d+)\}:s:(.+)$/.exec(key);
    if (!match || match[1] !== this.prefix) {
      return null;
    }
    const shard = Number(match[2]);
    return shard < SHARD_COUNT ? { shard, tokenHash: match[3] } : null;
  }
}
