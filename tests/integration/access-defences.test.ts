// Login, sessions and the browser-side defences, through the real app: throttled brute force,
// the same answer for a wrong user and a wrong password, logout revoking, CSRF and foreign
// Host refused, security headers, the cookie's attributes, and the audit trail of it all.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.ts';
import { startTestApp, testOrigin, testPassword, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const login = (username: string, password: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { origin: testOrigin, ...headers }, payload: { username, password } });

describe('login', () => {
  it('sets an HttpOnly, SameSite=Strict session cookie (not Secure over plain HTTP) and answers who signed in', async () => {
    const res = await login('engineer', testPassword);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ user: { username: 'engineer', role: 'engineer' } });
    const cookie = res.cookies.find((c) => c.name === 'lanewatch_session')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Strict');
    expect(cookie.secure).toBeUndefined();
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `${cookie.name}=${cookie.value}` } });
    expect(me.json()).toEqual({ username: 'engineer', role: 'engineer' });
  });

  it('answers a wrong user exactly as a wrong password', async () => {
    const wrongPassword = await login('viewer', 'not the password', { 'x-forwarded-for': '198.51.100.1' });
    const wrongUser = await login('nobody-at-all', 'not the password', { 'x-forwarded-for': '198.51.100.2' });
    expect(wrongPassword.statusCode).toBe(401);
    expect(wrongUser.statusCode).toBe(401);
    expect(wrongUser.body).toBe(wrongPassword.body);
    expect(wrongUser.headers['set-cookie']).toBeUndefined();
  });

  it('throttles a brute force per user: 429 with Retry-After, even with the right password, until the window ends', async () => {
    const max = t.config.settings.auth.maxFailuresPerUser;
    for (let i = 0; i < max; i++) expect((await login('hue', `guess-${i}`)).statusCode).toBe(401);
    const refused = await login('hue', `guess-${max}`);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login('hue', testPassword)).statusCode).toBe(429);
    // Another user is not locked out by it.
    expect((await login('viewer', testPassword)).statusCode).toBe(200);
  });

  it('logout revokes the session at once', async () => {
    const cookie = await t.login('viewer');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(200);
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie, origin: testOrigin } });
    expect(out.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('a malformed login body is a 400 naming the field', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { origin: testOrigin }, payload: { username: 'x' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'password' });
  });
});

describe('browser-side defences', () => {
  it('refuses a state change without an Origin, or from a foreign one (CSRF)', async () => {
    const cookie = await t.login('engineer');
    const current = await t.app.inject({ method: 'GET', url: '/api/v1/policies', headers: { cookie } });
    const etag = current.headers['etag'] as string;
    const body = { document: (current.json() as { document: unknown }).document };
    for (const origin of [undefined, 'http://evil.example', 'http://localhost:81']) {
      const res = await t.app.inject({
        method: 'PUT',
        url: '/api/v1/policies',
        headers: { cookie, 'if-match': etag, ...(origin !== undefined ? { origin } : {}) },
        payload: body,
      });
      expect(res.statusCode, String(origin)).toBe(403);
      expect(res.json()).toMatchObject({ field: 'origin' });
    }
    const history = (await t.app.inject({ method: 'GET', url: '/api/v1/policies/history', headers: { cookie } })).json() as { revisions: unknown[] };
    expect(history.revisions).toHaveLength(1);
  });

  it('refuses a Host it does not know (DNS rebinding) with 421', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/health', headers: { host: 'attacker.example:8080' } });
    expect(res.statusCode).toBe(421);
    expect(res.json()).toMatchObject({ field: 'host' });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/health', headers: { host: '127.0.0.1:8080' } })).statusCode).toBe(200);
  });

  it('sends security headers: a CSP with no inline script, no framing, nosniff, a referrer policy', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/health' });
    const csp = String(res.headers['content-security-policy']);
    const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src'));
    expect(scriptSrc?.trim()).toBe("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('same-origin');
  });
});

describe('audit log', () => {
  it('records logins, failed logins and policy saves with who, when and from where; admins page through it', async () => {
    const engineer = t.as('engineer');
    const current = await engineer({ method: 'GET', url: '/api/v1/policies' });
    const document = structuredClone((current.json() as { document: { defaults: { thresholds: Record<string, number> } } }).document);
    document.defaults.thresholds['highUtil'] = 0.85;
    const saved = await engineer({ method: 'PUT', url: '/api/v1/policies', headers: { 'if-match': current.headers['etag'] as string }, payload: { document } });
    expect(saved.statusCode, saved.body).toBe(200);
    const revision = (saved.json() as { revision: number }).revision;
    const history = (await engineer({ method: 'GET', url: '/api/v1/policies/history' })).json() as { revisions: { author: string }[] };
    expect(history.revisions[0]?.author).toBe('engineer');

    const admin = t.as('admin');
    const page = (await admin({ method: 'GET', url: '/api/v1/audit?limit=5' })).json() as {
      entries: { seq: number; actor: string | null; action: string; address: string; target?: string; atMs: number }[];
      nextBeforeSeq?: number;
    };
    expect(page.entries).toHaveLength(5);
    expect(page.entries[0]).toMatchObject({ action: 'login', actor: 'admin' });
    expect(page.entries.find((e) => e.action === 'policy-save')).toMatchObject({ actor: 'engineer', target: String(revision), address: '127.0.0.1' });
    const seqs = page.entries.map((e) => e.seq);
    expect([...seqs].sort((a, b) => b - a)).toEqual(seqs);
    expect(page.nextBeforeSeq).toBeDefined();
    const older = (await admin({ method: 'GET', url: `/api/v1/audit?limit=100&beforeSeq=${page.nextBeforeSeq}` })).json() as {
      entries: { seq: number; action: string; target?: string }[];
    };
    expect(older.entries.every((e) => e.seq < page.nextBeforeSeq!)).toBe(true);
    expect(older.entries.some((e) => e.action === 'login-failed' && e.target === 'nobody-at-all')).toBe(true);
  });
});

describe('TLS', () => {
  it('serves HTTPS with the configured certificate; the cookie is Secure and HSTS is sent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lanewatch-tls-'));
    try {
      const certFile = join(dir, 'cert.pem');
      const keyFile = join(dir, 'key.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
      const base = loadConfig();
      const config = { ...base, settings: { ...base.settings, server: { ...base.settings.server, tls: { certFile, keyFile } } } };
      const tls = await startTestApp({ config });
      try {
        const res = await tls.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { origin: 'https://localhost:80' }, payload: { username: 'viewer', password: testPassword } });
        expect(res.statusCode, res.body).toBe(200);
        expect(res.cookies.find((c) => c.name === 'lanewatch_session')?.secure).toBe(true);
        expect(String(res.headers['strict-transport-security'])).toContain('max-age=');
      } finally {
        await tls.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
