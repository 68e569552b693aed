// The UI's access rules, pure parts: the login route and its `next`, where a user goes after
// signing in or when the session ends, the navigation and pages by role, role labels, and the
// words for a failed login.
import { describe, expect, it } from 'vitest';
import { roles, type Principal, type Role } from '../../api/access.ts';
import { retryAfterSeconds, type LoginOutcome } from '../../web/src/lib/api.ts';
import { createTranslator, messages } from '../../web/src/lib/i18n.ts';
import { loginProblem, throttleMinutes } from '../../web/src/lib/login.ts';
import {
  afterLoginHref,
  backLink,
  homeHref,
  mayAcknowledge,
  mayAcknowledgeAny,
  mayEditPolicies,
  navItems,
  pageAccess,
  redirectFor,
  roleLabelKeys,
} from '../../web/src/lib/permissions.ts';
import { currentHashRoute, loginHref, parseRoute, safeNext } from '../../web/src/lib/route.ts';

const viewer: Principal = { username: 'viewer', role: 'viewer' };
const engineer: Principal = { username: 'engineer', role: 'engineer' };
const admin: Principal = { username: 'admin', role: 'admin' };
const thanhHoa: Principal = { username: 'thanh-hoa', role: 'province', province: 'thanh-hoa' };
const byRole: Record<Role, Principal> = { viewer, province: thanhHoa, engineer, admin };

describe('the login route and its next', () => {
  it.each([
    ['#/login', { page: 'login', next: null }],
    ['#/login/', { page: 'login', next: null }],
    ['#/login?next=%23%2Falerts', { page: 'login', next: '#/alerts' }],
    ['#/login?next=%23%2Flink%2Ft2-thanh-hoa-a', { page: 'login', next: '#/link/t2-thanh-hoa-a' }],
    ['#/login?next=%23%2Fprovince%2Fb%25C3%25A0', { page: 'login', next: '#/province/b%C3%A0' }],
    // Not an in-app route: dropped, the login page stays.
    ['#/login?next=https%3A%2F%2Fevil.example%2F', { page: 'login', next: null }],
    ['#/login?next=%2F%2Fevil.example', { page: 'login', next: null }],
    ['#/login?next=javascript%3Aalert(1)', { page: 'login', next: null }],
    ['#/login?next=%23%2Flogin%3Fnext%3D%2523%252Falerts', { page: 'login', next: null }],
    ['#/login?next=%23%2Fa%20b', { page: 'login', next: null }],
    ['#/login?other=1', { page: 'login', next: null }],
    ['#/loginx', { page: 'not-found', path: '/loginx' }],
  ])('%s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });

  it.each([
    ['#/alerts', '#/login?next=%23%2Falerts'],
    ['#/province/thanh-hoa', '#/login?next=%23%2Fprovince%2Fthanh-hoa'],
    // The national page is where everyone but a province user lands anyway.
    ['#/', '#/login'],
    [null, '#/login'],
    ['#/login?next=%23%2Falerts', '#/login'],
    ['https://evil.example/', '#/login'],
    [`#/link/${'x'.repeat(2_000)}`, '#/login'],
  ])('loginHref(%s) is %s', (next, href) => {
    expect(loginHref(next)).toBe(href);
  });

  it('round-trips every page route through next', () => {
    for (const route of ['#/alerts', '#/policies', '#/qos/unmatched', '#/link/t1-ha-noi', '#/province/thanh-hoa']) {
      expect(parseRoute(loginHref(route))).toEqual({ page: 'login', next: route });
    }
  });

  it('treats an empty hash as the national page', () => {
    expect(currentHashRoute('')).toBe('#/');
    expect(currentHashRoute('#')).toBe('#/');
    expect(currentHashRoute('#/alerts')).toBe('#/alerts');
    expect(safeNext(undefined)).toBeNull();
  });
});

describe('after signing in', () => {
  it.each([
    [thanhHoa, null, '#/province/thanh-hoa'],
    [viewer, null, '#/'],
    [admin, null, '#/'],
    [viewer, '#/alerts', '#/alerts'],
    [engineer, '#/policies', '#/policies'],
    [viewer, '#/policies', '#/policies'],
    [thanhHoa, '#/alerts', '#/alerts'],
    [thanhHoa, '#/province/thanh-hoa', '#/province/thanh-hoa'],
    // A link is checked against the topology once it is loaded.
    [thanhHoa, '#/link/t2-thanh-hoa-a', '#/link/t2-thanh-hoa-a'],
    // Not for this user: home instead.
    [thanhHoa, '#/', '#/province/thanh-hoa'],
    [thanhHoa, '#/province/ha-noi', '#/province/thanh-hoa'],
    [thanhHoa, '#/policies', '#/province/thanh-hoa'],
    [engineer, 'https://evil.example/', '#/'],
  ] as const)('%o with next %s goes to %s', (principal, next, href) => {
    expect(afterLoginHref(principal, next)).toBe(href);
  });

  it('sends a province user without a province (never issued) to the national page, which it may not see', () => {
    expect(homeHref({ username: 'x', role: 'province' })).toBe('#/');
  });
});

describe('redirectFor', () => {
  const signedOut = { status: 'signed-out', ended: 'none', principal: null } as const;
  it.each([
    ['no session yet: login, keeping the page', signedOut, '#/alerts', '#/login?next=%23%2Falerts'],
    ['no session on an empty hash', signedOut, '', '#/login'],
    ['the session expired: login, keeping the page', { ...signedOut, ended: 'expired' }, '#/link/t1-hue', '#/login?next=%23%2Flink%2Ft1-hue'],
    ['logged out on purpose: login without next', { ...signedOut, ended: 'logged-out' }, '#/alerts', '#/login'],
    ['already on the login page', signedOut, '#/login?next=%23%2Falerts', null],
    ['still loading', { status: 'loading', ended: 'none', principal: null }, '#/alerts', null],
    ['server unreachable', { status: 'unreachable', ended: 'none', principal: null }, '#/alerts', null],
    ['signed in on the login page: next', { status: 'signed-in', ended: 'none', principal: viewer }, '#/login?next=%23%2Falerts', '#/alerts'],
    ['signed in on the login page: home', { status: 'signed-in', ended: 'none', principal: thanhHoa }, '#/login', '#/province/thanh-hoa'],
    ['a province user on the national page: home', { status: 'signed-in', ended: 'none', principal: thanhHoa }, '#/', '#/province/thanh-hoa'],
    ['a province user on another province: stays (the page says why)', { status: 'signed-in', ended: 'none', principal: thanhHoa }, '#/province/ha-noi', null],
    ['a viewer on the national page', { status: 'signed-in', ended: 'none', principal: viewer }, '#/', null],
  ] as const)('%s', (_name, state, hash, target) => {
    expect(redirectFor(state, parseRoute(hash), hash)).toBe(target);
  });
});

describe('navigation by role', () => {
  it.each([
    [viewer, ['national', 'alerts', 'report', 'unmatched']],
    [engineer, ['national', 'alerts', 'policies', 'report', 'unmatched']],
    [admin, ['national', 'alerts', 'policies', 'report', 'unmatched']],
    [thanhHoa, ['province', 'alerts', 'report', 'unmatched']],
  ])('%o', (principal, ids) => {
    expect(navItems(principal).map((item) => item.id)).toEqual(ids);
  });

  it('offers a province user its own province and no national page', () => {
    const items = navItems(thanhHoa);
    expect(items[0]).toEqual({ id: 'province', href: '#/province/thanh-hoa' });
    expect(items.some((item) => item.href === '#/')).toBe(false);
    expect(homeHref(thanhHoa)).toBe('#/province/thanh-hoa');
    expect(backLink(thanhHoa)).toEqual({ href: '#/province/thanh-hoa', key: 'link.backProvince' });
    expect(backLink(viewer)).toEqual({ href: '#/', key: 'link.back' });
  });
});

describe('pages by role', () => {
  const topology = {
    links: [
      { id: 't1-thanh-hoa', province: 'thanh-hoa' },
      { id: 't1-ha-noi', province: 'ha-noi' },
    ],
  };
  const cases: [Principal, string, ReturnType<typeof pageAccess>][] = [
    [viewer, '#/', 'ok'],
    [viewer, '#/province/ha-noi', 'ok'],
    [viewer, '#/policies', 'ok'],
    [viewer, '#/link/t1-ha-noi', 'ok'],
    [engineer, '#/policies', 'ok'],
    [thanhHoa, '#/', 'home'],
    [thanhHoa, '#/province/thanh-hoa', 'ok'],
    [thanhHoa, '#/province/ha-noi', 'not-your-province'],
    [thanhHoa, '#/link/t1-thanh-hoa', 'ok'],
    [thanhHoa, '#/link/t1-ha-noi', 'not-your-province'],
    // Not in the (province-filtered) topology at all.
    [thanhHoa, '#/link/t1-hue', 'not-your-province'],
    [thanhHoa, '#/policies', 'forbidden'],
    [thanhHoa, '#/alerts', 'ok'],
    [thanhHoa, '#/qos/unmatched', 'ok'],
    [thanhHoa, '#/nowhere', 'ok'],
  ];
  it.each(cases)('%o opening %s: %s', (principal, hash, access) => {
    expect(pageAccess(principal, parseRoute(hash), topology)).toBe(access);
  });

  it('lets a province user open a link page until the topology is loaded', () => {
    expect(pageAccess(thanhHoa, parseRoute('#/link/t1-ha-noi'), null)).toBe('ok');
  });
});

describe('policy edits and acknowledgements by role', () => {
  it.each([
    ['viewer', false, false],
    ['province', false, true],
    ['engineer', true, true],
    ['admin', true, true],
  ] as const)('%s: edits policies %s, acknowledges %s', (role, edits, acknowledges) => {
    expect(mayEditPolicies(byRole[role])).toBe(edits);
    expect(mayAcknowledgeAny(byRole[role])).toBe(acknowledges);
  });

  it('lets a province user acknowledge its own province only', () => {
    expect(mayAcknowledge(thanhHoa, { province: 'thanh-hoa' })).toBe(true);
    expect(mayAcknowledge(thanhHoa, { province: 'ha-noi' })).toBe(false);
    expect(mayAcknowledge(engineer, { province: 'ha-noi' })).toBe(true);
    expect(mayAcknowledge(viewer, { province: 'ha-noi' })).toBe(false);
    expect(mayAcknowledge(null, { province: 'ha-noi' })).toBe(false);
    expect(mayEditPolicies(null)).toBe(false);
  });
});

describe('role labels', () => {
  it('has a distinct label for every role in both languages', () => {
    for (const locale of ['vi', 'en'] as const) {
      const labels = roles.map((role) => messages[locale][roleLabelKeys[role]]);
      expect(new Set(labels).size).toBe(roles.length);
      for (const label of labels) expect(label.length).toBeGreaterThan(0);
    }
    expect(messages.vi[roleLabelKeys.province]).toBe('Cán bộ tỉnh');
    expect(messages.en[roleLabelKeys.engineer]).toBe('Engineer');
  });
});

describe('a failed login, in words', () => {
  const vi = createTranslator('vi');
  const en = createTranslator('en');

  it.each([
    ['120', 120],
    ['0', 0],
    [' 30 ', 30],
    ['', null],
    ['soon', null],
    ['Fri, 27 Nov 2026 12:05:00 GMT', 300],
    ['Fri, 27 Nov 2026 11:00:00 GMT', 0],
  ])('Retry-After %j is %s s', (header, seconds) => {
    expect(retryAfterSeconds(header, Date.parse('2026-11-27T12:00:00Z'))).toBe(seconds);
  });

  it.each([
    [1, 1],
    [59, 1],
    [60, 1],
    [61, 2],
    [900, 15],
    [0, 1],
  ])('%i s is %i minute(s) to wait', (seconds, minutes) => {
    expect(throttleMinutes(seconds)).toBe(minutes);
  });

  const outcomes: [Exclude<LoginOutcome, { kind: 'signed-in' }>, string, string][] = [
    [{ kind: 'wrong-credentials' }, 'Tên đăng nhập hoặc mật khẩu không đúng.', 'Wrong user name or password.'],
    [{ kind: 'throttled', retryAfterSeconds: 900 }, 'Đăng nhập sai quá nhiều lần. Hãy thử lại sau 15 phút.', 'Too many failed attempts. Try again in 15 minutes.'],
    [{ kind: 'throttled', retryAfterSeconds: 42 }, 'Đăng nhập sai quá nhiều lần. Hãy thử lại sau 1 phút.', 'Too many failed attempts. Try again in 1 minute.'],
    [{ kind: 'throttled', retryAfterSeconds: null }, 'Đăng nhập sai quá nhiều lần. Hãy thử lại sau ít phút.', 'Too many failed attempts. Try again in a few minutes.'],
    [{ kind: 'unreachable', status: null }, 'Không kết nối được máy chủ Lanewatch. Kiểm tra mạng rồi thử lại.', 'Cannot reach the Lanewatch server. Check the network and try again.'],
    [{ kind: 'unreachable', status: 502 }, 'Máy chủ gặp lỗi (HTTP 502). Hãy thử lại sau ít phút.', 'The server had a problem (HTTP 502). Try again in a few minutes.'],
    [{ kind: 'invalid', field: 'password' }, 'Máy chủ không nhận ô “Mật khẩu”. Kiểm tra lại rồi thử lần nữa.', 'The server did not accept “Password”. Check it and try again.'],
    [{ kind: 'invalid', field: 'body.username' }, 'Máy chủ không nhận ô “Tên đăng nhập”. Kiểm tra lại rồi thử lần nữa.', 'The server did not accept “User name”. Check it and try again.'],
  ];
  it.each(outcomes)('%o', (outcome, viText, enText) => {
    expect(loginProblem(outcome, vi)).toBe(viText);
    expect(loginProblem(outcome, en)).toBe(enText);
  });

  it('formats a long wait with the locale', () => {
    expect(loginProblem({ kind: 'throttled', retryAfterSeconds: 60_000 }, vi)).toContain('1.000 phút');
    expect(loginProblem({ kind: 'throttled', retryAfterSeconds: 60_000 }, en)).toContain('1,000 minutes');
  });
});
