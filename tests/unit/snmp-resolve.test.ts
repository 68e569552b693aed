// Host names are resolved once, not per datagram. Only /etc/hosts names (localhost): no
// traffic leaves the machine.
import { describe, it, expect } from 'vitest';
import { AddressResolver } from '../../collector/snmp/resolve.ts';

describe('AddressResolver', () => {
  it('passes IP addresses through untouched', async () => {
    const r = new AddressResolver({ timeoutMs: 1_000 });
    expect(await r.resolve('127.0.0.1:161')).toBe('127.0.0.1:161');
    expect(await r.resolve('[::1]:1161')).toBe('[::1]:1161');
  });

  it('resolves a host name to an address of the transport family, and caches it', async () => {
    let nowMs = 0;
    const r = new AddressResolver({ timeoutMs: 2_000, ttlMs: 1_000, now: () => nowMs });
    const first = await r.resolve('localhost:16101');
    expect(first).toMatch(/^127\.\d+\.\d+\.\d+:16101$/);
    nowMs = 500;
    expect(await r.resolve('localhost:16101')).toBe(first);
    nowMs = 5_000;
    expect(await r.resolve('localhost:16101')).toBe(first);
  });

  it('knows, without waiting, an IP literal once seen and a name while its lookup is fresh', async () => {
    let nowMs = 0;
    const r = new AddressResolver({ timeoutMs: 2_000, ttlMs: 1_000, now: () => nowMs });
    expect(r.known('127.0.0.1:161')).toBeUndefined();
    expect(await r.resolve('127.0.0.1:161')).toBe('127.0.0.1:161');
    expect(r.known('127.0.0.1:161')).toBe('127.0.0.1:161');
    expect(r.known('localhost:16101')).toBeUndefined();
    const first = await r.resolve('localhost:16101');
    expect(r.known('localhost:16101')).toBe(first);
    nowMs = 1_000;
    expect(r.known('localhost:16101')).toBeUndefined();
  });

  it('rejects what is not host:port, naming it', async () => {
    const r = new AddressResolver({ timeoutMs: 1_000 });
    await expect(r.resolve('localhost')).rejects.toThrow(/not a host:port address: "localhost"/);
  });
});
