import type Redis from "ioredis";
import type { ChainableCommander } from "ioredis";

/*
 * Lua scripts of the Redis session store. Each runs atomically and touches the keys of one shard
 * only (see redis-keys.ts). All times come from the Redis server clock (TIME), so expiry decisions
 * do not depend on the clocks of application servers.
 *
 * Session record, a STRING of pipe-separated fields:
 *   v1|<user id>|<role>|<created ms>|<absolute expiry ms>|<idle timeout s>|<last seen ms>
 * The session expires at min(absolute expiry, last seen + idle timeout). Only what validation and
 * counting need is kept here; IP, user agent and the public id live in PostgreSQL.
 */

const helpers = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function num(n)
  return string.format('%.0f', n)
end

local function parse(value)
  local uid, role, created, abs, idle, seen =
    string.match(value, '^v1|([^|]+)|([^|]+)|(%d+)|(%d+)|(%d+)|(%d+)$')
  if not uid then return nil end
  return { uid = uid, role = role, created = tonumber(created), abs = tonumber(abs),
           idle = tonumber(idle), seen = tonumber(seen) }
end

local function encode(r)
  return 'v1|' .. r.uid .. '|' .. r.role .. '|' .. num(r.created) .. '|' .. num(r.abs) .. '|' ..
    num(r.idle) .. '|' .. num(r.seen)
end

local function expiry_of(r)
  return math.min(r.abs, r.seen + r.idle * 1000)
end

-- After a change to one user's sessions: drop their expired entries, then set the user's score in
-- the users index, and the TTL of their session index, to their latest expiry.
local function refresh_user(users_key, user_key, uid, now)
  redis.call('ZREMRANGEBYSCORE', user_key, '-inf', num(now))
  local top = redis.call('ZRANGE', user_key, -1, -1, 'WITHSCORES')
  if top[2] then
    redis.call('ZADD', users_key, top[2], uid)
    redis.call('PEXPIREAT', user_key, top[2])
  else
    redis.call('ZREM', users_key, uid)
  end
end

local function write_record(keys, hash, r, now)
  local expiry = expiry_of(r)
  redis.call('SET', keys[1], encode(r), 'PXAT', num(expiry))
  redis.call('ZADD', keys[2], num(expiry), hash)
  redis.call('ZADD', keys[4], num(expiry), hash)
  refresh_user(keys[3], keys[4], r.uid, now)
  return expiry
end

local function delete_record(keys, hash, uid, now)
  local existed = redis.call('DEL', keys[1])
  redis.call('ZREM', keys[2], hash)
  redis.call('ZREM', keys[4], hash)
  refresh_user(keys[3], keys[4], uid, now)
  return existed
end
`;

/**
 * KEYS: record, expiry index, users index, user's sessions.
 * ARGV: token hash, user id, role, created ms, absolute expiry ms, idle timeout s, last seen ms,
 * max age s. A time of 0 means "now"; an absolute expiry of 0 means created + max age.
 * Returns {written (0 when already expired), created, absolute expiry, last seen, expiry}.
 */
const createScript = `${helpers}
local now = now_ms()
local created = tonumber(ARGV[4])
if created == 0 then created = now end
local seen = tonumber(ARGV[7])
if seen == 0 then seen = now end
local abs = tonumber(ARGV[5])
if abs == 0 then abs = created + tonumber(ARGV[8]) * 1000 end
local r = { uid = ARGV[2], role = ARGV[3], created = created, abs = abs, idle = tonumber(ARGV[6]), seen = seen }
local expiry = expiry_of(r)
if expiry <= now then
  delete_record(KEYS, ARGV[1], r.uid, now)
  return {0, num(created), num(abs), num(seen), num(expiry)}
end
write_record(KEYS, ARGV[1], r, now)
return {1, num(created), num(abs), num(seen), num(expiry)}
`;

/**
 * Validates a session and slides its idle expiry when the last touch is older than the interval.
 * KEYS as for create. ARGV: token hash, expected user id, touch interval ms.
 * Returns {1, role, created, absolute expiry, last seen, expiry, touched} for a live session,
 * {0} for a missing, expired or foreign one, {-1} for an unreadable value, {-2} for a key of
 * another type.
 */
const validateScript = `${helpers}
local ok, value = pcall(redis.call, 'GET', KEYS[1])
if not ok then return {-2} end
if not value then return {0} end
local r = parse(value)
if not r then return {-1} end
if r.uid ~= ARGV[2] then return {0} end

local now = now_ms()
local expiry = expiry_of(r)
if expiry <= now then
  delete_record(KEYS, ARGV[1], r.uid, now)
  return {0}
end

local touched = 0
if now - r.seen >= tonumber(ARGV[3]) then
  r.seen = now
  expiry = write_record(KEYS, ARGV[1], r, now)
  touched = 1
elseif redis.call('PTTL', KEYS[1]) == -1 then
  -- Someone removed the TTL (PERSIST); the record must still expire by itself.
  redis.call('PEXPIREAT', KEYS[1], num(expiry))
end
return {1, r.role, num(r.created), num(r.abs), num(r.seen), num(expiry), touched}
`;

/** KEYS as for create. ARGV: token hash, user id. Returns 1 when a record was deleted. */
const revokeScript = `${helpers}
return delete_record(KEYS, ARGV[1], ARGV[2], now_ms())
`;

/**
 * Counts one shard. KEYS: expiry index, users index.
 * Returns {now ms, index entries, entries not yet expired, users with a live session}.
 */
const countScript = `${helpers}
local now = num(now_ms())
return {now, redis.call('ZCARD', KEYS[1]), redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf'),
  redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf')}
`;

/**
 * Removes up to ARGV[2] expired entries of one shard. KEYS: expiry index, users index.
 * ARGV: record key prefix of the shard, batch size.
 * An entry whose record is live again gets its score corrected; an entry whose key holds
 * something that is not a session record leaves the index, but the key itself is kept for the
 * integrity report. Returns {entries removed, entries examined}.
 */
const cleanupScript = `${helpers}
local now = now_ms()
local limit = tonumber(ARGV[2])
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', num(now), 'LIMIT', 0, limit)
local removed = 0
for _, hash in ipairs(members) do
  local key = ARGV[1] .. hash
  local ok, value = pcall(redis.call, 'GET', key)
  local r = nil
  if ok and value then r = parse(value) end
  if r and expiry_of(r) > now then
    redis.call('ZADD', KEYS[1], num(expiry_of(r)), hash)
  else
    redis.call('ZREM', KEYS[1], hash)
    removed = removed + 1
    -- An expired record that is still there lost its TTL; it can no longer be used.
    if r then redis.call('DEL', key) end
  end
end
local stale_users = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', num(now), 'LIMIT', 0, limit)
if #stale_users > 0 then redis.call('ZREM', KEYS[2], unpack(stale_users)) end
return {removed, #members}
`;

export interface SessionRecord {
  userId: string;
  role: string;
  createdAt: number;
  absoluteExpiresAt: number;
  idleTimeoutSeconds: number;
  lastSeenAt: number;
  /** min(absolute expiry, last seen + idle timeout), epoch ms. */
  expiresAt: number;
}

const recordFormat = /^v1\|([^|]+)\|([^|]+)\|(\d+)\|(\d+)\|(\d+)\|(\d+)$/;

/** Parses a session record value (format above); null when it is not one. */
export function parseSessionRecord(value: string): SessionRecord | null {
  const match = recordFormat.exec(value);
  if (!match) return null;

  const [, userId, role, createdAt, absoluteExpiresAt, idleTimeoutSeconds, lastSeenAt] = match;
  const record = {
    userId,
    role,
    createdAt: Number(createdAt),
    absoluteExpiresAt: Number(absoluteExpiresAt),
    idleTimeoutSeconds: Number(idleTimeoutSeconds),
    lastSeenAt: Number(lastSeenAt),
  };
  return { ...record, expiresAt: Math.min(record.absoluteExpiresAt, record.lastSeenAt + record.idleTimeoutSeconds * 1000) };
}

type ScriptResult = Array<string | number>;

interface SessionScriptCommands {
  sessionCreate(...keysAndArgs: string[]): Promise<ScriptResult>;
  sessionValidate(...keysAndArgs: string[]): Promise<ScriptResult>;
  sessionRevoke(...keysAndArgs: string[]): Promise<number>;
  sessionCount(...keysAndArgs: string[]): Promise<ScriptResult>;
  sessionCleanup(...keysAndArgs: string[]): Promise<ScriptResult>;
}

export type SessionScriptClient = Redis & SessionScriptCommands;
export type SessionScriptPipeline = ChainableCommander & {
  [name in keyof SessionScriptCommands]: (...keysAndArgs: string[]) => SessionScriptPipeline;
};

const definedOn = new WeakSet<Redis>();

/**
 * Registers the scripts as commands on a client. ioredis sends EVALSHA and loads a script on
 * NOSCRIPT by itself, also inside pipelines and after a Redis restart.
 */
export function withSessionScripts(redis: Redis): SessionScriptClient {
  if (!definedOn.has(redis)) {
    redis.defineCommand("sessionCreate", { numberOfKeys: 4, lua: createScript });
    redis.defineCommand("sessionValidate", { numberOfKeys: 4, lua: validateScript });
    redis.defineCommand("sessionRevoke", { numberOfKeys: 4, lua: revokeScript });
    redis.defineCommand("sessionCount", { numberOfKeys: 2, lua: countScript });
    redis.defineCommand("sessionCleanup", { numberOfKeys: 2, lua: cleanupScript });
    definedOn.add(redis);
  }
  return redis as SessionScriptClient;
}
