// What the signed-in user is offered, by role: the navigation, the home page, whether a page
// may be opened, who may edit policies or acknowledge an alert. The rules are the route table's
// (api/routes.ts), which the server enforces: the UI only leaves out what would be refused.
// Pure functions.
import { allows, seesProvince, type Principal, type Role } from '../../../api/access.ts';
import { routes } from '../../../api/routes.ts';
import type { TopologyLink } from './api.ts';
import type { MessageKey } from './i18n.ts';
import type { SessionEnd, SessionStatus } from './session.svelte.ts';
import {
  alertsHref,
  currentHashRoute,
  loginHref,
  nationalHref,
  parseRoute,
  policiesHref,
  provinceHref,
  safeNext,
  reportHref,
  unmatchedHref,
  type Route,
} from './route.ts';

export const roleLabelKeys: Record<Role, MessageKey> = {
  viewer: 'role.viewer',
  province: 'role.province',
  engineer: 'role.engineer',
  admin: 'role.admin',
};

export type NavId = 'national' | 'province' | 'alerts' | 'policies' | 'report' | 'unmatched';

export interface NavItem {
  id: NavId;
  href: string;
}

/** The province a `province` user belongs to; null for every other role. */
export function ownProvince(principal: Principal): string | null {
  return principal.role === 'province' ? (principal.province ?? null) : null;
}

/** Where a user starts: a province user on its province's page, everyone else on the national page. */
export function homeHref(principal: Principal): string {
  const province = ownProvince(principal);
  return province === null ? nationalHref() : provinceHref(province);
}

/**
 * The header's links. A province user gets its own province instead of the national page;
 * the policy editor is listed for those who may change policies (a viewer can still open it,
 * read only).
 */
export function navItems(principal: Principal): NavItem[] {
  const province = ownProvince(principal);
  const items: NavItem[] = [];
  if (province !== null) items.push({ id: 'province', href: provinceHref(province) });
  else if (principal.role !== 'province') items.push({ id: 'national', href: nationalHref() });
  if (allows(routes.alerts.access, principal.role)) items.push({ id: 'alerts', href: alertsHref() });
  if (mayEditPolicies(principal)) items.push({ id: 'policies', href: policiesHref() });
  if (allows(routes.report.access, principal.role)) items.push({ id: 'report', href: reportHref() });
  if (allows(routes.qos.access, principal.role)) items.push({ id: 'unmatched', href: unmatchedHref() });
  return items;
}

/** Saving and rolling back policies. */
export function mayEditPolicies(principal: Principal | null): boolean {
  return allows(routes.policiesPut.access, principal?.role) && allows(routes.policiesRollback.access, principal?.role);
}

/** Whether the role acknowledges alerts at all (the alerts table's action column). */
export function mayAcknowledgeAny(principal: Principal | null): boolean {
  return allows(routes.alertAck.access, principal?.role);
}

/** Acknowledging: engineers and admins any alert, a province user its own province's. */
export function mayAcknowledge(principal: Principal | null, alert: { province: string }): boolean {
  return principal !== null && mayAcknowledgeAny(principal) && seesProvince(principal, alert.province);
}

/**
 * Whether the route may be shown to this user:
 * - `home`: not a page for this role, go to the home page instead (a province user on `#/`);
 * - `not-your-province`: another province's page or link (or one the user cannot see at all);
 * - `forbidden`: a page the role may not use.
 * Links are checked against the topology once it is loaded (null: not yet).
 */
export type PageAccess = 'ok' | 'home' | 'not-your-province' | 'forbidden';

export function pageAccess(
  principal: Principal,
  route: Route,
  topology: { links: readonly Pick<TopologyLink, 'id' | 'province'>[] } | null,
): PageAccess {
  if (route.page === 'policies') return allows(routes.policies.access, principal.role) ? 'ok' : 'forbidden';
  if (route.page === 'unmatched') return allows(routes.qos.access, principal.role) ? 'ok' : 'forbidden';
  if (route.page === 'alerts') return allows(routes.alerts.access, principal.role) ? 'ok' : 'forbidden';
  if (route.page === 'report') return allows(routes.report.access, principal.role) ? 'ok' : 'forbidden';
  if (principal.role !== 'province') return 'ok';
  const province = ownProvince(principal);
  if (route.page === 'national') return 'home';
  if (route.page === 'province') return route.provinceId === province ? 'ok' : 'not-your-province';
  if (route.page === 'link' && topology !== null) {
    const link = topology.links.find((candidate) => candidate.id === route.linkId);
    return link !== undefined && link.province === province ? 'ok' : 'not-your-province';
  }
  return 'ok';
}

/** Where to go once signed in: the route asked for when this user may open it, else home. */
export function afterLoginHref(principal: Principal, next: string | null): string {
  const kept = safeNext(next);
  if (kept === null) return homeHref(principal);
  return pageAccess(principal, parseRoute(kept), null) === 'ok' ? kept : homeHref(principal);
}

/** The "back" link of a page: to the national page, or for a province user to its province. */
export function backLink(principal: Principal | null): { href: string; key: MessageKey } {
  const province = principal === null ? null : ownProvince(principal);
  return province === null ? { href: nationalHref(), key: 'link.back' } : { href: provinceHref(province), key: 'link.backProvince' };
}

/**
 * Where the app must go instead of the current route, or null to stay:
 * - signed out anywhere but the login page: to the login page, keeping the route as `next`
 *   unless the user logged out on purpose;
 * - signed in on the login page: to `next` (when allowed) or home;
 * - signed in on a page that is not for this role but has a home equivalent: home.
 */
export function redirectFor(
  state: { status: SessionStatus; ended: SessionEnd; principal: Principal | null },
  route: Route,
  hash: string,
): string | null {
  if (state.status === 'signed-out') {
    if (route.page === 'login') return null;
    return loginHref(state.ended === 'logged-out' ? null : currentHashRoute(hash));
  }
  if (state.status !== 'signed-in' || state.principal === null) return null;
  if (route.page === 'login') return afterLoginHref(state.principal, route.next);
  return pageAccess(state.principal, route, null) === 'home' ? homeHref(state.principal) : null;
}
