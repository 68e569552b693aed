// Password hashing: the encoding, verification, malformed encodings refused without throwing,
// the length rule, and the dummy hash costing what a real one costs.
import { describe, expect, it } from 'vitest';
import {
  dummyPasswordHash,
  hashPassword,
  maxPasswordLength,
  minPasswordLength,
  parsePasswordHash,
  passwordProblem,
  verifyPassword,
} from '../../server/auth/password.ts';

describe('hashPassword and verifyPassword', () => {
  it('encodes scrypt parameters, a 16-byte salt and a 64-byte key', async () => {
    const encoded = await hashPassword('correct horse battery');
    expect(encoded).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{86}==$/);
    const parsed = parsePasswordHash(encoded);
    expect(parsed).toMatchObject({ N: 16_384, r: 8, p: 1 });
    expect(parsed?.salt).toHaveLength(16);
    expect(parsed?.key).toHaveLength(64);
  });

  it('accepts the password and refuses any other', async () => {
    const encoded = await hashPassword('correct horse battery');
    expect(await verifyPassword('correct horse battery', encoded)).toBe(true);
    expect(await verifyPassword('correct horse batterY', encoded)).toBe(false);
    expect(await verifyPassword('', encoded)).toBe(false);
  });

  it('salts: the same password hashes differently each time', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    expect(a).not.toBe(b);
  });

  it('treats precomposed and decomposed Vietnamese letters as the same password', async () => {
    const precomposed = 'Thanh Hoá mật khẩu';
    const decomposed = precomposed.normalize('NFD');
    expect(decomposed).not.toBe(precomposed);
    expect(await verifyPassword(decomposed, await hashPassword(precomposed))).toBe(true);
  });

  const valid = 'scrypt$16384$8$1$u9VZ9nMoJhuvXDnpXvB0RA==$l0AcyjbdNCs6eIAlyw7CAlFMhyUV/Kn5x/uERLBnhvjt7uKC06uTZH883izbH5rCBLzQo/jActts1m1SC4oMLA==';
  it.each([
    ['empty', ''],
    ['another scheme', valid.replace('scrypt', 'bcrypt')],
    ['a missing part', valid.split('$').slice(0, 5).join('$')],
    ['an extra part', `${valid}$x`],
    ['N not a power of two', valid.replace('$16384$', '$16000$')],
    ['N too large', valid.replace('$16384$', `$${2 ** 24}$`)],
    ['r zero', valid.replace('$8$1$', '$0$1$')],
    ['p not a number', valid.replace('$8$1$', '$8$x$')],
    ['salt not base64', valid.replace('u9VZ9nMo', 'u9VZ*nMo')],
    ['key too short', valid.replace(/\$[^$]+$/, '$AAAA')],
    ['leading zero in N', valid.replace('$16384$', '$016384$')],
  ])('refuses an encoding with %s (false, no throw)', async (_name, encoded) => {
    expect(parsePasswordHash(encoded)).toBeUndefined();
    await expect(verifyPassword('anything at all', encoded)).resolves.toBe(false);
  });

  it('has a dummy hash with the current parameters, matching no likely password', async () => {
    const dummy = parsePasswordHash(dummyPasswordHash);
    const real = parsePasswordHash(await hashPassword('whatever it is'));
    expect(dummy).toMatchObject({ N: real?.N, r: real?.r, p: real?.p });
    expect(dummy?.key.length).toBe(real?.key.length);
    expect(await verifyPassword('password', dummyPasswordHash)).toBe(false);
    expect(await verifyPassword('', dummyPasswordHash)).toBe(false);
  });
});

describe('passwordProblem', () => {
  it.each([
    ['', /too short: at least 8 characters, got 0/],
    ['seven77', /too short: at least 8 characters, got 7/],
    ['ệệệệệệệ', /too short.*got 7/],
    ['x'.repeat(maxPasswordLength + 1), /too long: at most 1024 characters, got 1025/],
  ])('refuses %j', (password, message) => {
    expect(passwordProblem(password)).toMatch(message);
  });

  it.each([
    ['eight888'],
    ['ệệệệệệệệ'],
    ['x'.repeat(maxPasswordLength)],
    ['   spaces count   '],
  ])('accepts %j', (password) => {
    expect(passwordProblem(password)).toBeUndefined();
  });

  it('counts characters, not UTF-16 units: 8 emoji are 8 characters', () => {
    expect(minPasswordLength).toBe(8);
    expect(passwordProblem('🔑'.repeat(7))).toMatch(/got 7/);
    expect(passwordProblem('🔑'.repeat(8))).toBeUndefined();
  });
});
