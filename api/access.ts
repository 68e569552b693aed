// Who may use what: the roles, and the access rule every route and message declares.
// Shared by the server (enforcement) and the web client (what to show).

/**
 * - `viewer`: operators; reads everything, changes nothing.
 * - `province`: a province's IT staff; reads its own province only, acknowledges its alerts.
 * - `engineer`: viewer + reservation policies + acknowledgements.
 * - `admin`: engineer + users + audit log.
 */
export const roles = ['viewer', 'province', 'engineer', 'admin'] as const;
export type Role = (typeof roles)[number];

/** Anyone, signed in or not (login, health probes, the UI's static files). */
export const anyone = 'anyone' as const;

/**
 * How a route's answer depends on the caller's province:
 * - `none`: the same for every role allowed (or no province data at all);
 * - `province`: a `province` user gets its own province's data only (filtered lists,
 *   403/404 for another province's link, alert or province).
 */
export type Scope = 'none' | 'province';

export interface AccessRule {
  /** Roles allowed, or `anyone` for routes open without a session. */
  roles: readonly Role[] | typeof anyone;
  scope: Scope;
}

/** Every signed-in role may read; `province` users see their own province only. */
export const readScoped: AccessRule = { roles: ['viewer', 'province', 'engineer', 'admin'], scope: 'province' };
/** Every signed-in role, no province data involved. */
export const signedIn: AccessRule = { roles: ['viewer', 'province', 'engineer', 'admin'], scope: 'none' };
/** Engineers and admins: reservation policies. */
export const engineers: AccessRule = { roles: ['engineer', 'admin'], scope: 'none' };
/** Engineers, admins and a province's own staff (acknowledging its alerts). */
export const acknowledgers: AccessRule = { roles: ['province', 'engineer', 'admin'], scope: 'province' };
/** Admins only: users and the audit log. */
export const admins: AccessRule = { roles: ['admin'], scope: 'none' };
/** Open without a session. */
export const open: AccessRule = { roles: anyone, scope: 'none' };

/** The signed-in user as the server sees it on each request. */
export interface Principal {
  username: string;
  role: Role;
  /** Set for (and only for) the `province` role. */
  province?: string;
}

export function allows(rule: AccessRule, role: Role | undefined): boolean {
  if (rule.roles === anyone) return true;
  return role !== undefined && rule.roles.includes(role);
}

/** True when the principal may see this province's data. */
export function seesProvince(principal: Principal, province: string): boolean {
  return principal.role !== 'province' || principal.province === province;
}
