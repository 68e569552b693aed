// config/error-code.ts: the one reading of a Node error's code, and the checks built on it.
import { stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { isDirSyncUnsupported, isMissing } from '../../config/atomic-file.ts';
import { errorCode } from '../../config/error-code.ts';

function errnoError(code: unknown): Error {
  return Object.assign(new Error(`failed: ${String(code)}`), { code });
}

describe('errorCode', () => {
  it('reads the code of an Error that carries one', async () => {
    expect(errorCode(errnoError('EADDRINUSE'))).toBe('EADDRINUSE');
    const real = await stat('/nonexistent-lanewatch-path').catch((err: unknown) => err);
    expect(errorCode(real)).toBe('ENOENT');
  });

  it('is undefined for an Error without a code, or with one that is not a string', () => {
    expect(errorCode(new Error('ENOENT'))).toBeUndefined();
    expect(errorCode(errnoError(2))).toBeUndefined();
    expect(errorCode(errnoError(undefined))).toBeUndefined();
  });

  it('reads a code off any object (an error from another realm is not instanceof Error), nothing off a non-object', () => {
    expect(errorCode({ code: 'EACCES' })).toBe('EACCES');
    expect(errorCode('ENOENT')).toBeUndefined();
    expect(errorCode(undefined)).toBeUndefined();
    expect(errorCode(null)).toBeUndefined();
    expect(errorCode(42)).toBeUndefined();
  });
});

describe('the checks read the code through errorCode', () => {
  it('isMissing: ENOENT only, on an Error or any object carrying it', () => {
    expect(isMissing(errnoError('ENOENT'))).toBe(true);
    expect(isMissing({ code: 'ENOENT' })).toBe(true);
    expect(isMissing(errnoError('EACCES'))).toBe(false);
    expect(isMissing(new Error('ENOENT'))).toBe(false);
    expect(isMissing('ENOENT')).toBe(false);
  });

  it('isDirSyncUnsupported: EINVAL or ENOTSUP on any object carrying it', () => {
    expect(isDirSyncUnsupported({ code: 'ENOTSUP' })).toBe(true);
    expect(isDirSyncUnsupported({ code: 'EIO' })).toBe(false);
    expect(isDirSyncUnsupported('EINVAL')).toBe(false);
  });
});
