// Who may read GET /metrics. The route is open in the route table (a Prometheus server has no
// session) and this rule narrows it: a signed-in viewer, engineer or admin from any address;
// anyone else (no session, or a province user) only from an address in
// `settings.metrics.allowFrom` (addresses or CIDR subnets, IPv4 and IPv6). The collector's own
// listener (`lanewatch collector`) has no sessions: there only the address rule applies.
import { BlockList, isIP } from 'node:net';
import type { Role } from '../../api/access.ts';
import { parseAddressOrSubnet } from '../../config/schema.ts';

/** Roles that may read the metrics from any address. */
const metricsReaders: readonly Role[] = ['viewer', 'engineer', 'admin'];

/** The addresses of `metrics.allowFrom`, compiled once. */
export class AddressAllowList {
  readonly #list = new BlockList();

  /** Throws naming the entry when one is neither an address nor a subnet (the config schema checks them first). */
  constructor(entries: readonly string[], setting = 'metrics.allowFrom') {
    for (const entry of entries) {
      const parsed = parseAddressOrSubnet(entry);
      if (!parsed) throw new Error(`${setting}: "${entry}" is not an IP address or a CIDR subnet`);
      const type = parsed.family === 4 ? 'ipv4' : 'ipv6';
      if (parsed.prefixBits === undefined) this.#list.addAddress(parsed.address, type);
      else this.#list.addSubnet(parsed.address, parsed.prefixBits, type);
    }
  }

  /** Whether the address is on the list; an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) counts as its IPv4 one. */
  has(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    return this.#list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}

export type MetricsAccess = { allowed: true; by: 'role' | 'address' } | { allowed: false; message: string };

/** Pure (given the list): may this caller read the metrics? */
export function metricsAccess(input: {
  role: Role | undefined;
  address: string;
  allowList: Pick<AddressAllowList, 'has'>;
  /** Whether this process can sign anyone in (false for `lanewatch collector`'s own listener): the refusal then suggests only allowFrom. */
  signIn?: boolean;
}): MetricsAccess {
  const { role, address, allowList } = input;
  if (role !== undefined && metricsReaders.includes(role)) return { allowed: true, by: 'role' };
  if (allowList.has(address)) return { allowed: true, by: 'address' };
  const readers = metricsReaders.join(', ');
  const remedy = (input.signIn ?? true) ? `sign in as ${readers}, or add it to metrics.allowFrom` : 'add it to metrics.allowFrom (this process has no sign-in)';
  const message =
    role === undefined
      ? `GET /metrics from ${address}: that address is not in metrics.allowFrom; ${remedy}`
      : `the ${role} role may read GET /metrics only from an address in metrics.allowFrom (this request came from ${address})`;
  return { allowed: false, message };
}
