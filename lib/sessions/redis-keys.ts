import { createHash } from "node:crypto";

/*
 * Redis key layout of the session store, sized to stay under 400 bytes per session with every
 * index included (measured by `npm run bench`).
 *
 * On Redis Cluster, sessions are spread over CLUSTER_SHARD_COUNT shards by user id; a single
 * server has one shard, so a count is one script over two keys. Every key of one shard carries the
 * hash tag `{<prefix>:<shard>}`, so in a cluster all keys of a shard live in one slot and every
 * script touches a single slot. All of one user's keys share the user's shard, so the scripts can
 * keep the user indexes in step atomically. Moving between a single server and a cluster starts
 * from an empty Redis, which the console fills from PostgreSQL.
 *
 *   {sc:7}:s:<session member>   STRING  the session record (format in redis-scripts.ts), with a TTL
 *                                       that ends exactly at the session's expiry (PXAT)
 *   {sc:7}:exp                  ZSET    member: session member, score: expiry in epoch ms. Counts
 *                                       use ZCARD and ZCOUNT on it, never SCAN.
 *   {sc:7}:users                ZSET    member: user member, score: the latest expiry among the
 *                                       user's sessions; ZCOUNT(now, +inf) counts active users
 *   {sc:7}:u:<user member>      ZSET    member: session member, score: expiry; one user's sessions.
 *                                       Its TTL is the latest expiry, so it goes with the last one.
 *
 * The session member is 12 characters (72 bits) of a hash of the token hash and the user id, so
 * a token presented with another user's id finds no record. The user member is the first 12
 * characters of the user's UUID in base64url. At a million of each, two colliding is about a
 * one-in-ten-billion chance, and 12 characters keep every member in Redis's smallest string
 * allocation (16 bytes with its header). Every write goes through one Lua script that updates
 * the record and all three indexes together, and every write of the record sets its TTL again
 * (SET ... PXAT), so no update drops a TTL.
 */

// Enough shards to spread over the masters of a cluster several times.
export const CLUSTER_SHARD_COUNT = 16;
const memberLength = 12;

/** FNV-1a over the UTF-16 code units; stable across processes and versions. */
export function shardOfUser(userId: string, shardCount: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < userId.length; index += 1) {
    hash ^= userId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shardCount;
}

/** Returns the Redis name of a session, bound to both its token and its user. */
export function sessionMember(tokenHash: string, userId: string): string {
  return createHash("sha256").update(`${tokenHash}:${userId}`).digest("base64url").slice(0, memberLength);
}

/** Returns the Redis name of a user: a prefix of the UUID in base64url, or any other id as it is. */
export function userMember(userId: string): string {
  const hex = userId.replace(/-/g, "");
  return /^[0-9a-f]{32}$/i.test(hex) ? Buffer.from(hex, "hex").toString("base64url").slice(0, memberLength) : userId;
}

export interface ShardKeys {
  /** Prefix of the record keys of this shard; the session member follows it. */
  recordPrefix: string;
  expiryIndex: string;
  userIndex: string;
  /**
   * A key without TTL that the console writes once the shard contains every live session. When it is
   * gone, the server restarted empty or evicted data, and the shard is rebuilt from PostgreSQL.
   */
  epochMarker: string;
}

/** The keys a session write touches, in the order the scripts take them, and the two members. */
export interface SessionKeys {
  keys: [record: string, expiryIndex: string, userIndex: string, userSessions: string];
  member: string;
  user: string;
}

export class RedisKeyLayout {
  /** Every shard number, 0 to shardCount - 1. */
  readonly shards: number[];

  constructor(
    private readonly prefix: string,
    readonly shardCount = 1,
  ) {
    this.shards = Array.from({ length: shardCount }, (_, shard) => shard);
  }

  shard(shard: number): ShardKeys {
    const tag = `{${this.prefix}:${shard}}`;
    return { recordPrefix: `${tag}:s:`, expiryIndex: `${tag}:exp`, userIndex: `${tag}:users`, epochMarker: `${tag}:epoch` };
  }

  session(tokenHash: string, userId: string): SessionKeys {
    const tag = `{${this.prefix}:${shardOfUser(userId, this.shardCount)}}`;
    const member = sessionMember(tokenHash, userId);
    const user = userMember(userId);
    return { keys: [`${tag}:s:${member}`, `${tag}:exp`, `${tag}:users`, `${tag}:u:${user}`], member, user };
  }

  /** The four keys of a session; the first is the record. */
  sessionKeys(tokenHash: string, userId: string): SessionKeys["keys"] {
    return this.session(tokenHash, userId).keys;
  }

  /** SCAN pattern that matches the record keys of every shard and nothing else of ours. */
  recordPattern(): string {
    return `{${this.prefix}:*}:s:*`;
  }

  /** Splits a record key into its shard and session member; null for keys that are not records. */
  parseRecordKey(key: string): { shard: number; member: string } | null {
    const match = /^\{([^}]*):(\d+)\}:s:(.+)$/.exec(key);
    if (!match || match[1] !== this.prefix) {
      return null;
    }
    const shard = Number(match[2]);
    return shard < this.shardCount ? { shard, member: match[3] } : null;
  }
}
