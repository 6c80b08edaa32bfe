import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

// scrypt is memory-hard: each hash needs 128 * N * r bytes, here 128 * 2^15 * 8 = 32 MiB, which
// makes GPU and ASIC guessing expensive. About 60 ms per hash on a 2-core x86_64 machine.
// Parameters are stored in every hash, so they can be raised later without breaking old hashes.
const defaultParameters = { N: 2 ** 15, r: 8, p: 1 };
const keyLength = 32;
const saltLength = 16;
const hashPrefix = "scrypt";

function deriveKey(password: string, salt: Buffer, parameters: { N: number; r: number; p: number }) {
  const options: ScryptOptions = {
    ...parameters,
    // Node's default ceiling is 32 MiB, exactly our need; leave headroom.
    maxmem: 256 * parameters.N * parameters.r,
  };

  return new Promise<Buffer>((resolve, reject) => {
    scrypt(password.normalize("NFKC"), salt, keyLength, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Hashes a password as `scrypt$N$r$p$salt$key`, with base64url salt and key. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(saltLength);
  const key = await deriveKey(password, salt, defaultParameters);
  const { N, r, p } = defaultParameters;
  return [hashPrefix, N, r, p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** Checks a password against a stored hash in constant time. Malformed hashes never match. */
export async function verifyPassword(password: string, storedHash: string): Promise<boolean> {
  const parts = storedHash.split("$");
  if (parts.length !== 6 || parts[0] !== hashPrefix) {
    return false;
  }

  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every((value) => Number.isSafeInteger(value) && value > 0) || N > 2 ** 20 || r > 32) {
    return false;
  }

  const salt = Buffer.from(parts[4], "base64url");
  const expected = Buffer.from(parts[5], "base64url");
  const actual = await deriveKey(password, salt, { N, r, p });
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real check for an email that has no account, so response times do
 * not reveal which accounts exist.
 */
export async function verifyAgainstDummyHash(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(16).toString("hex"));
  await verifyPassword(password, await dummyHash);
  return false;
}
