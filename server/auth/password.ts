// Password hashing with scrypt (node:crypto), encoded with its parameters so they can be raised
// later without invalidating stored hashes: `scrypt$N$r$p$<salt base64>$<key base64>`.
// Passwords are NFC-normalised first, so "ệ" typed precomposed or decomposed is the same password.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export const minPasswordLength = 8;
export const maxPasswordLength = 1024;

/** Parameters for new hashes: N=2^14, r=8, p=1 (16 MiB, about 50 ms on a server core). */
const cost = { N: 16_384, r: 8, p: 1 } as const;
const saltBytes = 16;
const keyBytes = 64;

/** Bounds on parameters read back from a stored hash, so a tampered file cannot make a login take minutes. */
const maxCostN = 1 << 20;
const maxBlockSizeR = 32;
const maxParallelP = 16;

/**
 * A valid hash of a random password nobody knows, with the current parameters. Verifying an
 * unknown user's attempt against it costs the same time as verifying a real user's.
 */
export const dummyPasswordHash =
  'scrypt$16384$8$1$u9VZ9nMoJhuvXDnpXvB0RA==$l0AcyjbdNCs6eIAlyw7CAlFMhyUV/Kn5x/uERLBnhvjt7uKC06uTZH883izbH5rCBLzQo/jActts1m1SC4oMLA==';

interface ScryptHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function derive(password: string, salt: Buffer, length: number, params: { N: number; r: number; p: number }): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; allow twice that.
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

function positiveInt(text: string | undefined, max: number): number | undefined {
  if (text === undefined || !/^[1-9]\d{0,9}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

/** The parts of an encoded hash, or undefined when it is not one this module wrote. Pure. */
export function parsePasswordHash(encoded: string): ScryptHash | undefined {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [, nText, rText, pText, saltText, keyText] = parts;
  const N = positiveInt(nText, maxCostN);
  const r = positiveInt(rText, maxBlockSizeR);
  const p = positiveInt(pText, maxParallelP);
  if (N === undefined || r === undefined || p === undefined || N < 2 || (N & (N - 1)) !== 0) return undefined;
  if (saltText === undefined || keyText === undefined || !base64.test(saltText) || !base64.test(keyText)) return undefined;
  const salt = Buffer.from(saltText, 'base64');
  const key = Buffer.from(keyText, 'base64');
  if (salt.length < 8 || key.length < 16) return undefined;
  return { N, r, p, salt, key };
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(saltBytes);
  const key = await derive(password, salt, keyBytes, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True when `password` matches; false for a wrong password and for an encoding this module did not write. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const stored = parsePasswordHash(encoded);
  if (stored === undefined) return false;
  const key = await derive(password, stored.salt, stored.key.length, stored);
  return timingSafeEqual(key, stored.key);
}

/** Why `password` is not acceptable for a new password, or undefined when it is. Pure. */
export function passwordProblem(password: string): string | undefined {
  const length = [...password.normalize('NFC')].length;
  if (length < minPasswordLength) return `the password is too short: at least ${minPasswordLength} characters, got ${length}`;
  if (length > maxPasswordLength) return `the password is too long: at most ${maxPasswordLength} characters, got ${length}`;
  return undefined;
}
