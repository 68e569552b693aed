// SNMPv3 User-based Security Model (RFC 3414, RFC 7860 for SHA-2, RFC 3826 for AES, and the
// Blumenthal/Reeder key extensions for AES-256 as net-snmp implements them).
import { createHash, createHmac, createCipheriv, createDecipheriv, timingSafeEqual } from 'node:crypto';
import type { SnmpV3Config } from '../../config/schema.ts';

export type AuthProtocol = SnmpV3Config['authProtocol'];
export type PrivProtocol = SnmpV3Config['privProtocol'];

interface AuthAlgorithm {
  hash: string;
  keyLength: number;
  /** Length of msgAuthenticationParameters (the truncated HMAC). */
  macLength: number;
}

const authAlgorithms: Readonly<Record<AuthProtocol, AuthAlgorithm>> = {
  md5: { hash: 'md5', keyLength: 16, macLength: 12 },
  sha: { hash: 'sha1', keyLength: 20, macLength: 12 },
  sha224: { hash: 'sha224', keyLength: 28, macLength: 16 },
  sha256: { hash: 'sha256', keyLength: 32, macLength: 24 },
  sha384: { hash: 'sha384', keyLength: 48, macLength: 32 },
  sha512: { hash: 'sha512', keyLength: 64, macLength: 48 },
};

interface PrivAlgorithm {
  cipher: string;
  keyLength: number;
  extension: 'none' | 'blumenthal' | 'reeder';
}

const privAlgorithms: Readonly<Record<Exclude<PrivProtocol, 'des'>, PrivAlgorithm>> = {
  aes: { cipher: 'aes-128-cfb', keyLength: 16, extension: 'none' },
  aes256b: { cipher: 'aes-256-cfb', keyLength: 32, extension: 'blumenthal' },
  aes256r: { cipher: 'aes-256-cfb', keyLength: 32, extension: 'reeder' },
};

/**
 * Caches the expensive password-to-key step (1 MiB of hashing per password, RFC 3414 A.2):
 * routers sharing credentials pay it once; localisation per engine ID is cheap.
 */
export class PasswordKeyCache {
  readonly #keys = new Map<string, Buffer>();

  passwordToKey(protocol: AuthProtocol, password: string | Buffer): Buffer {
    const cacheKey = `${protocol}:${typeof password === 'string' ? 's' + password : 'b' + password.toString('hex')}`;
    const cached = this.#keys.get(cacheKey);
    if (cached) return cached;
    const source = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
    if (source.length === 0) throw new Error('an SNMPv3 password cannot be empty');
    const key = createHash(authAlgorithms[protocol].hash).update(Buffer.alloc(1024 * 1024, source)).digest();
    this.#keys.set(cacheKey, key);
    return key;
  }
}

/** Kul = H(Ku || engineID || Ku). */
export function localizeKey(protocol: AuthProtocol, ku: Buffer, engineId: Buffer): Buffer {
  return createHash(authAlgorithms[protocol].hash).update(ku).update(engineId).update(ku).digest();
}

export interface UsmUser {
  name: string;
  authProtocol: AuthProtocol;
  privProtocol: PrivProtocol;
  /** Localised authentication key. */
  authKey: Buffer;
  /** Localised (and, for AES-256, extended) privacy key, exactly the cipher's key length. */
  privKey: Buffer;
  macLength: number;
}

/** Derives a user's localised keys for one engine. Throws for protocols this runtime lacks. */
export function deriveUser(cache: PasswordKeyCache, config: SnmpV3Config, engineId: Buffer): UsmUser {
  const auth = config.authProtocol;
  if (config.privProtocol === 'des') {
    throw new Error('DES privacy is not supported (OpenSSL 3 disables DES): use aes');
  }
  const priv = privAlgorithms[config.privProtocol];
  const authKey = localizeKey(auth, cache.passwordToKey(auth, config.authKey), engineId);
  let privKey = localizeKey(auth, cache.passwordToKey(auth, config.privKey), engineId);
  if (priv.extension === 'blumenthal') {
    while (privKey.length < priv.keyLength) {
      privKey = Buffer.concat([privKey, createHash(authAlgorithms[auth].hash).update(privKey).digest()]);
    }
  } else if (priv.extension === 'reeder') {
    let last = privKey;
    while (privKey.length < priv.keyLength) {
      last = localizeKey(auth, cache.passwordToKey(auth, last), engineId);
      privKey = Buffer.concat([privKey, last]);
    }
  }
  if (privKey.length < priv.keyLength) {
    throw new Error(`${config.authProtocol} keys are too short for ${config.privProtocol}`);
  }
  return {
    name: config.user,
    authProtocol: auth,
    privProtocol: config.privProtocol,
    authKey,
    privKey: privKey.subarray(0, priv.keyLength),
    macLength: authAlgorithms[auth].macLength,
  };
}

/** HMAC over the whole message with the authentication parameters zeroed. */
export function computeMac(user: UsmUser, wholeMessage: Buffer): Buffer {
  return createHmac(authAlgorithms[user.authProtocol].hash, user.authKey).update(wholeMessage).digest().subarray(0, user.macLength);
}

/** Verifies the MAC at [macOffset, macOffset + length) of `message` (not modified). */
export function verifyMac(user: UsmUser, message: Buffer, macOffset: number, macLength: number): boolean {
  if (macLength !== user.macLength) return false;
  const copy = Buffer.from(message);
  const received = Buffer.from(message.subarray(macOffset, macOffset + macLength));
  copy.fill(0, macOffset, macOffset + macLength);
  return timingSafeEqual(computeMac(user, copy), received);
}

/** AES-CFB IV (RFC 3826 §3.1.2.1): engineBoots ‖ engineTime ‖ 64-bit salt. */
function aesIv(engineBoots: number, engineTime: number, salt: Buffer): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(engineBoots >>> 0, 0);
  iv.writeUInt32BE(engineTime >>> 0, 4);
  salt.copy(iv, 8, 0, 8);
  return iv;
}

function privCipher(user: UsmUser): string {
  if (user.privProtocol === 'des') throw new Error('DES privacy is not supported');
  return privAlgorithms[user.privProtocol].cipher;
}

export function encryptScopedPdu(user: UsmUser, engineBoots: number, engineTime: number, salt: Buffer, plain: Buffer): Buffer {
  const cipher = createCipheriv(privCipher(user), user.privKey, aesIv(engineBoots, engineTime, salt));
  return Buffer.concat([cipher.update(plain), cipher.final()]);
}

export function decryptScopedPdu(user: UsmUser, engineBoots: number, engineTime: number, salt: Buffer, encrypted: Buffer): Buffer {
  if (salt.length !== 8) throw new Error(`privacy parameters must be 8 bytes, got ${salt.length}`);
  const decipher = createDecipheriv(privCipher(user), user.privKey, aesIv(engineBoots, engineTime, salt));
  return Buffer.concat([decipher.update(encrypted), decipher.final()]);
}
