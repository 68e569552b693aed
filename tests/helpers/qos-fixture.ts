// What the QoS plan tests build plans from (qos-plan, qos-class-samples): discoveries written by
// hand as the vendor joins would give them, the links they plan for, and the class rules.
import { compileClassRules } from '../../collector/classify.ts';
import type { DeviceDiscovery, DiscoveredInterface, QosClass } from '../../collector/discovery/index.ts';
import type { ClassRule, LinkConfig } from '../../config/schema.ts';

/** Class names and sub-interface aliases as the tests' routers name them. */
export const testClassRules: ClassRule[] = [
  { match: { className: '^docex' }, class: 'docex' },
  { match: { className: '^video' }, class: 'video' },
  { match: { className: '^(class-default|be|best-effort)$' }, class: 'internet' },
  { match: { className: '^mgmt|network-control' }, class: 'other' },
  { match: { ifAlias: '\\bdocex\\b' }, class: 'docex' },
  { match: { ifAlias: '\\bvideo\\b' }, class: 'video' },
  { match: { ifAlias: '\\binternet\\b' }, class: 'internet' },
];
export const testClassifier = compileClassRules(testClassRules);

/** A tier-2 link on router r1 whose down direction is the interface's output. */
export function planLink(id: string, ifName: string, extra: Partial<LinkConfig> = {}): LinkConfig {
  return { id, tier: 2, province: 'p', router: 'r1', ifName, downIs: 'out', ...extra };
}

export function discoveredInterface(ifIndex: number, ifName: string, ifAlias?: string, ifHighSpeedMbps = 100): DiscoveredInterface {
  return { ifIndex, ifName, hasHcCounters: true, ifHighSpeedMbps, ...(ifAlias !== undefined ? { ifAlias } : {}) };
}

/** A device's discovery at 1,000 ms: these interfaces and QoS classes. */
export function discoveryOf(interfaces: DiscoveredInterface[], classes: QosClass[]): DeviceDiscovery {
  return { target: '127.0.0.1:161', atMs: 1_000, interfaces, classes, qosVendors: [...new Set(classes.map((c) => c.vendor))], notes: [], requests: 2, varbinds: 100 };
}

/** A Cisco CBQoS leaf class: its policy the path's first part, its name the last. */
export function ciscoClass(ifIndex: number, direction: 'input' | 'output', path: string, statsIndex: string | undefined, extra: Partial<QosClass> = {}): QosClass {
  const parts = path.split('/');
  return {
    vendor: 'cisco',
    ifIndex,
    direction,
    policyName: parts[0]!,
    className: parts[parts.length - 1]!,
    path,
    leaf: true,
    ...(statsIndex !== undefined ? { statsIndex } : {}),
    ...extra,
  };
}
