import { dataNodes, type RedisClient } from "@/lib/redis/client";

/*
 * Lua scripts of the Redis session store. Each runs atomically and touches the keys of one shard
 * only (see redis-keys.ts). All times come from the Redis server clock (TIME), so expiry decisions
 * do not depend on the clocks of application servers.
 *
 * Session record, a STRING of 28 characters, fixed-width fields, numbers in base 36 padded with 0:
 *   1  version "3"
 *   2  role: a (admin) or u (user)
 *   3  created, epoch ms (8 characters)
 *   11 absolute expiry - created, ms (7 characters: up to 900 days)
 *   18 idle timeout, seconds (4 characters: up to 19 days)
 *   22 last seen - created, ms (7 characters)
 * for example "3amiapz7ur00h5q8g01dc0000000". Redis keeps a string of up to 28 characters in one
 * 48-byte allocation with its object header, which is why the record is this terse. The session
 * expires at min(absolute expiry, last seen + idle timeout). Only what validation needs is here;
 * the user id, IP, user agent and public id live in PostgreSQL.
 */

const helpers = `
local digits = '0123456789abcdefghijklmnopqrstuvwxyz'

local function b36(n)
  n = math.floor(n)
  if n <= 0 then return '0' end
  local out = ''
  while n > 0 do
    local d = n % 36
    out = string.sub(digits, d + 1, d + 1) .. out
    n = math.floor(n / 36)
  end
  return out
end

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function num(n)
  return string.format('%.0f', n)
end

local function pad(text, width)
  return string.rep('0', width - #text) .. text
end

local function parse(value)
  if #value ~= 28 or string.sub(value, 1, 1) ~= '3' then return nil end
  local role = string.sub(value, 2, 2)
  if role ~= 'a' and role ~= 'u' then return nil end
  local created = tonumber(string.sub(value, 3, 10), 36)
  local absolute = tonumber(string.sub(value, 11, 17), 36)
  local idle = tonumber(string.sub(value, 18, 21), 36)
  local seen = tonumber(string.sub(value, 22, 28), 36)
  if not (created and absolute and idle and seen) then return nil end
  return { role = role, created = created, abs = created + absolute, idle = idle, seen = created + seen }
end

local function encode(r)
  return '3' .. r.role .. pad(b36(r.created), 8) .. pad(b36(r.abs - r.created), 7) .. pad(b36(r.idle), 4) ..
    pad(b36(math.max(r.seen - r.created, 0)), 7)
end

local function expiry_of(r)
  return math.min(r.abs, r.seen + r.idle * 1000)
end

-- After a change to one user's sessions: drop their expired entries, then set the user's score in
-- the users index, and the TTL of their session index, to their latest expiry.
local function refresh_user(users_key, user_key, user, now)
  redis.call('ZREMRANGEBYSCORE', user_key, '-inf', num(now))
  local top = redis.call('ZRANGE', user_key, -1, -1, 'WITHSCORES')
  if top[2] then
    redis.call('ZADD', users_key, top[2], user)
    redis.call('PEXPIREAT', user_key, top[2])
  else
    redis.call('ZREM', users_key, user)
  end
end

local function write_record(keys, member, user, r, now)
  local expiry = expiry_of(r)
  redis.call('SET', keys[1], encode(r), 'PXAT', num(expiry))
  redis.call('ZADD', keys[2], num(expiry), member)
  redis.call('ZADD', keys[4], num(expiry), member)
  refresh_user(keys[3], keys[4], user, now)
  return expiry
end

local function delete_record(keys, member, user, now)
  local existed = redis.call('DEL', keys[1])
  redis.call('ZREM', keys[2], member)
  redis.call('ZREM', keys[4], member)
  refresh_user(keys[3], keys[4], user, now)
  return existed
end
`;

/**
 * KEYS: record, expiry index, users index, user's sessions.
 * ARGV: session member, user member, role (a or u), created ms, absolute expiry ms, idle timeout s,
 * last seen ms, max age s. A time of 0 means "now"; an absolute expiry of 0 means created + max age.
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
local r = { role = ARGV[3], created = created, abs = abs, idle = tonumber(ARGV[6]), seen = seen }
local expiry = expiry_of(r)
if expiry <= now then
  delete_record(KEYS, ARGV[1], ARGV[2], now)
  return {0, num(created), num(abs), num(seen), num(expiry)}
end
write_record(KEYS, ARGV[1], ARGV[2], r, now)
return {1, num(created), num(abs), num(seen), num(expiry)}
`;

/**
 * Validates a session and slides its idle expiry when the last touch is older than the interval.
 * KEYS as for create. ARGV: session member, user member, touch interval ms.
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

local now = now_ms()
local expiry = expiry_of(r)
if expiry <= now then
  delete_record(KEYS, ARGV[1], ARGV[2], now)
  return {0}
end

local touched = 0
if now - r.seen >= tonumber(ARGV[3]) then
  r.seen = now
  expiry = write_record(KEYS, ARGV[1], ARGV[2], r, now)
  touched = 1
elseif redis.call('PTTL', KEYS[1]) == -1 then
  -- Someone removed the TTL (PERSIST); the record must still expire by itself.
  redis.call('PEXPIREAT', KEYS[1], num(expiry))
end
return {1, r.role, num(r.created), num(r.abs), num(r.seen), num(expiry), touched}
`;

/** KEYS as for create. ARGV: session member, user member. Returns 1 when a record was deleted. */
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
for _, member in ipairs(members) do
  local key = ARGV[1] .. member
  local ok, value = pcall(redis.call, 'GET', key)
  local r = nil
  if ok and value then r = parse(value) end
  if r and expiry_of(r) > now then
    redis.call('ZADD', KEYS[1], num(expiry_of(r)), member)
  else
    redis.call('ZREM', KEYS[1], member)
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
  role: "admin" | "user";
  createdAt: number;
  absoluteExpiresAt: number;
  idleTimeoutSeconds: number;
  lastSeenAt: number;
  /** min(absolute expiry, last seen + idle timeout), epoch ms. */
  expiresAt: number;
}

const recordFormat = /^3([au])([0-9a-z]{8})([0-9a-z]{7})([0-9a-z]{4})([0-9a-z]{7})$/;

/** Parses a session record value (format above); null when it is not one. */
export function parseSessionRecord(value: string): SessionRecord | null {
  const match = recordFormat.exec(value);
  if (!match) return null;

  const [, role, created, absoluteOffset, idle, seenOffset] = match;
  const createdAt = parseInt(created, 36);
  const absoluteExpiresAt = createdAt + parseInt(absoluteOffset, 36);
  const idleTimeoutSeconds = parseInt(idle, 36);
  const lastSeenAt = createdAt + parseInt(seenOffset, 36);
  return {
    role: role === "a" ? "admin" : "user",
    createdAt,
    absoluteExpiresAt,
    idleTimeoutSeconds,
    lastSeenAt,
    expiresAt: Math.min(absoluteExpiresAt, lastSeenAt + idleTimeoutSeconds * 1000),
  };
}

/** Returns the role letter the record stores. */
export function roleLetter(role: "admin" | "user"): "a" | "u" {
  return role === "admin" ? "a" : "u";
}

type ScriptResult = Array<string | number>;

interface SessionScriptCommands {
  sessionCreate(...keysAndArgs: string[]): Promise<ScriptResult>;
  sessionValidate(...keysAndArgs: string[]): Promise<ScriptResult>;
  sessionRevoke(...keysAndArgs: string[]): Promise<number>;
  sessionCount(...keysAndArgs: string[]): Promise<ScriptResult>;
  sessionCleanup(...keysAndArgs: string[]): Promise<ScriptResult>;
}

export type SessionScriptClient = RedisClient & SessionScriptCommands;

const definedOn = new WeakSet<RedisClient>();

const sessionScripts: Record<keyof SessionScriptCommands, { numberOfKeys: number; lua: string }> = {
  sessionCreate: { numberOfKeys: 4, lua: createScript },
  sessionValidate: { numberOfKeys: 4, lua: validateScript },
  sessionRevoke: { numberOfKeys: 4, lua: revokeScript },
  sessionCount: { numberOfKeys: 2, lua: countScript },
  sessionCleanup: { numberOfKeys: 2, lua: cleanupScript },
};

const isMissingScript = (error: unknown) => error instanceof Error && error.message.startsWith("NOSCRIPT");

/** Loads every session script on every server that stores data. */
async function loadScriptsEverywhere(redis: RedisClient): Promise<void> {
  const scripts = Object.values(sessionScripts);
  await Promise.all(dataNodes(redis).flatMap((node) => scripts.map(({ lua }) => node.script("LOAD", lua))));
}

/**
 * Registers the scripts as commands on a client or cluster. ioredis sends EVALSHA and reloads a
 * script on NOSCRIPT by itself. A command that still meets NOSCRIPT loads every script on every
 * master and runs once more.
 * NOTE: a freshly started 3-master cluster once returned NOSCRIPT through ioredis's
 * auto-pipelining in the tests, so this second chance exists. The cause inside ioredis is unknown.
 */
export function withSessionScripts(redis: RedisClient): SessionScriptClient {
  if (!definedOn.has(redis)) {
    const commands = redis as unknown as Record<string, (...args: string[]) => Promise<unknown>>;
    for (const [name, script] of Object.entries(sessionScripts)) {
      // ioredis calls a defined command again by its name when it auto-pipelines it, so the
      // command keeps a name of its own and the retry wrapper takes the public one.
      const scriptName = `${name}Script`;
      redis.defineCommand(scriptName, script);
      const send = (...args: string[]) => commands[scriptName](...args);
      commands[name] = async (...args: string[]) => {
        try {
          return await send(...args);
        } catch (error) {
          if (!isMissingScript(error)) throw error;
          await loadScriptsEverywhere(redis);
          return send(...args);
        }
      };
    }
    definedOn.add(redis);
  }
  return redis as SessionScriptClient;
}
