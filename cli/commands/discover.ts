// `lanewatch discover`: asks one device for its interfaces and QoS classes (Cisco CBQoS,
// Huawei CBQoS, Juniper CoS) and prints them, as an indented hierarchy or as JSON. A tool for
// engineers writing the topology and the class rules.
import type { CliCommand } from '../command.ts';
import { defineCommand, loadConfigOrReport, numberOption, UsageError } from '../args.ts';
import { snmpSchema, type SnmpConfig } from '../../config/schema.ts';
import { compileClassRules, type Classification, type Classifier } from '../../collector/classify.ts';
import { counterOids, discoverDevice, type DeviceDiscovery, type QosClass } from '../../collector/discovery/index.ts';
import { parseHostPort, SnmpError } from '../../collector/snmp/index.ts';

const usage = `Usage: lanewatch discover --host HOST:PORT (--community C | --v3-user U --auth-key K --priv-key K
                          [--auth-protocol sha] [--priv-protocol aes]) [--config DIR] [--json]

Reads a device's interfaces (IF-MIB ifXTable) and QoS classes (Cisco CBQoS, Huawei CBQoS,
Juniper CoS queues) over SNMP and prints them: interfaces with speeds, then each service
policy with its classes as an indented hierarchy (nested policies included), and the service
class (docex, video, internet, other) each class maps to under the config's class rules.

Options:
  --host HOST:PORT        the agent, e.g. 127.0.0.1:161 or [::1]:161
  --community C           SNMPv2c community
  --v3-user U             SNMPv3 user (authPriv), with --auth-key and --priv-key
  --auth-key K            SNMPv3 authentication key (8+ characters)
  --priv-key K            SNMPv3 privacy key (8+ characters)
  --auth-protocol P       md5 | sha | sha224 | sha256 | sha384 | sha512 (default sha)
  --priv-protocol P       des | aes | aes256b | aes256r (default aes)
  --timeout-ms N          per-request timeout (default 2000)
  --retries N             resends after a timeout (default 1)
  --config DIR            the config whose classes.yaml rules map classes to service classes
                          (default: the embedded example, config/example)
  --json                  print the discovery as JSON (with each class's counter OIDs,
                          serviceClass and the index of the rule that matched)
  -h, --help              this text

Exit status: 0 discovered, 1 the device did not answer or refused, 2 bad arguments.`;

const options = {
  host: { type: 'string' },
  community: { type: 'string' },
  'v3-user': { type: 'string' },
  'auth-key': { type: 'string' },
  'priv-key': { type: 'string' },
  'auth-protocol': { type: 'string' },
  'priv-protocol': { type: 'string' },
  'timeout-ms': { type: 'string' },
  retries: { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** The SNMP credentials the options name; UsageError when they are missing or mixed. */
export function snmpConfigFromArgs(values: {
  community?: string | undefined;
  'v3-user'?: string | undefined;
  'auth-key'?: string | undefined;
  'priv-key'?: string | undefined;
  'auth-protocol'?: string | undefined;
  'priv-protocol'?: string | undefined;
}): SnmpConfig {
  const v3 = values['v3-user'] !== undefined;
  if (values.community !== undefined && v3) throw new UsageError('give either --community or --v3-user, not both');
  const raw: unknown =
    values.community !== undefined
      ? { version: '2c', community: values.community }
      : v3
        ? {
            version: '3',
            user: values['v3-user'],
            authKey: values['auth-key'],
            privKey: values['priv-key'],
            ...(values['auth-protocol'] !== undefined ? { authProtocol: values['auth-protocol'] } : {}),
            ...(values['priv-protocol'] !== undefined ? { privProtocol: values['priv-protocol'] } : {}),
          }
        : undefined;
  if (raw === undefined) throw new UsageError('give --community, or --v3-user with --auth-key and --priv-key');
  const parsed = snmpSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path.join('.') ?? '';
    const flag =
      { user: '--v3-user', authKey: '--auth-key', privKey: '--priv-key', authProtocol: '--auth-protocol', privProtocol: '--priv-protocol', community: '--community' }[
        key
      ] ?? key;
    throw new UsageError(`${flag}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

function speedText(mbps: number | undefined): string {
  if (mbps === undefined) return '-';
  if (mbps >= 1000 && mbps % 1000 === 0) return `${mbps / 1000} Gbps`;
  return `${mbps} Mbps`;
}

function bandwidthText(cls: QosClass): string {
  const b = cls.configuredBandwidth;
  if (!b) return '';
  const unit = { kbps: ' kbps', percent: '%', percentRemaining: '% remaining', ratioRemaining: ' (ratio remaining)', perThousand: '‰', perMillion: ' ppm' }[b.unit];
  return `${b.priority ? 'priority ' : 'bandwidth '}${b.value}${unit}`;
}

/** Maps a class to the text printed after `→` (its service class under the config's rules). */
export type ServiceClassOf = (cls: QosClass) => string | undefined;

/** The class rules applied to a discovered class, with its interface's ifAlias. */
function classifyDiscovered(d: DeviceDiscovery, classifier: Classifier): (cls: QosClass) => Classification {
  const aliases = new Map(d.interfaces.map((i) => [i.ifIndex, i.ifAlias]));
  return (cls) => classifier.classOf({ className: cls.className, policyName: cls.policyName, ifName: cls.ifName, ifAlias: aliases.get(cls.ifIndex) });
}

/** `internet (rules[2])`, or `other (no rule matches)`. */
function serviceClassText(c: Classification): string {
  return c.rule === undefined ? `${c.serviceClass} (no rule matches)` : `${c.serviceClass} (rules[${c.rule}])`;
}

interface Node {
  name: string;
  cls?: QosClass;
  children: Node[];
}

/** Renders a discovery as text: interfaces, then each policy's classes as an indented tree. */
export function renderDiscovery(d: DeviceDiscovery, serviceClassOf?: ServiceClassOf): string {
  const lines: string[] = [];
  lines.push(`device ${d.target}${d.sysDescr ? `: ${d.sysDescr.split(/\r?\n/)[0] ?? ''}` : ''}`);
  lines.push('');
  lines.push(`interfaces (${d.interfaces.length}):`);
  const nameWidth = Math.max(6, ...d.interfaces.map((i) => (i.ifName ?? '').length));
  lines.push(`  ${'ifIndex'.padStart(10)}  ${'ifName'.padEnd(nameWidth)}  ${'speed'.padEnd(9)}  HC   alias`);
  for (const i of d.interfaces) {
    lines.push(
      `  ${String(i.ifIndex).padStart(10)}  ${(i.ifName ?? '(no ifName)').padEnd(nameWidth)}  ${speedText(i.ifHighSpeedMbps).padEnd(9)}  ${
        i.hasHcCounters ? 'yes' : 'no '
      }  ${i.ifAlias ?? ''}`.trimEnd(),
    );
  }
  lines.push('');
  if (d.classes.length === 0) {
    lines.push('service policies: none (no Cisco CBQoS, Huawei CBQoS or Juniper CoS classes)');
  } else {
    lines.push(`service policies (${d.qosVendors.join(', ')}; ${d.classes.length} classes):`);
    const groups = new Map<string, QosClass[]>();
    for (const cls of d.classes) {
      const key = `${cls.ifIndex}|${cls.direction}|${cls.policyName}`;
      groups.set(key, [...(groups.get(key) ?? []), cls]);
    }
    for (const classes of groups.values()) {
      const first = classes[0];
      if (!first) continue;
      const where =
        first.ifName !== undefined
          ? `${first.ifName} (ifIndex ${first.ifIndex})`
          : first.ifIndex === 0
            ? 'control plane (ifIndex 0)'
            : `ifIndex ${first.ifIndex} (not in ifXTable)`;
      lines.push(`  ${where}  ${first.direction}  ${first.policyName}`);
      const root: Node = { name: first.policyName, children: [] };
      for (const cls of classes) {
        let node = root;
        for (const segment of cls.path.split('/').slice(1)) {
          let child = node.children.find((c) => c.name === segment);
          if (!child) {
            child = { name: segment, children: [] };
            node.children.push(child);
          }
          node = child;
        }
        node.cls = cls;
      }
      const print = (node: Node, depth: number): void => {
        const indent = ' '.repeat(4 + 2 * depth);
        const label = node.cls ? node.name : `policy ${node.name}`;
        const extras: string[] = [];
        if (node.cls) {
          const bw = bandwidthText(node.cls);
          if (bw) extras.push(bw);
          const service = serviceClassOf?.(node.cls);
          if (service !== undefined) extras.push(`→ ${service}`);
          extras.push(node.cls.statsIndex !== undefined ? `stats ${node.cls.statsIndex}` : 'no statistics');
        }
        lines.push(`${indent}${label.padEnd(Math.max(1, 40 - indent.length))}  ${extras.join('  ')}`.trimEnd());
        for (const child of node.children) print(child, depth + 1);
      };
      for (const child of root.children) print(child, 0);
    }
  }
  if (d.notes.length > 0) {
    lines.push('');
    lines.push('notes:');
    for (const note of d.notes) lines.push(`  - ${note}`);
  }
  return lines.join('\n') + '\n';
}

export const discoverCommand: CliCommand = defineCommand({
  name: 'discover',
  summary: 'list a device’s interfaces and QoS classes (Cisco/Huawei CBQoS, Juniper CoS)',
  usage,
  options,
  run: async ({ values, positionals }) => {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0] ?? ''}"`);
    const host = values.host;
    if (host === undefined) throw new UsageError('--host is required');
    if (!parseHostPort(host)) throw new UsageError(`--host: expected host:port, e.g. 127.0.0.1:161 or [::1]:161, got "${host}"`);
    const snmp = snmpConfigFromArgs(values);
    const config = loadConfigOrReport(values.config);
    if (!config) return 2;
    const timeoutMs = numberOption('timeout-ms', values['timeout-ms'], 2_000, { integer: true, min: 1 });
    const retries = numberOption('retries', values.retries, 1, { integer: true, min: 0 });
    let d: DeviceDiscovery;
    try {
      d = await discoverDevice({ address: host, snmp }, { timing: { timeoutMs, retries } });
    } catch (err) {
      if (err instanceof SnmpError) {
        process.stderr.write(`lanewatch discover: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    const classify = classifyDiscovered(d, compileClassRules(config.classRules));
    if (values.json) {
      const classes = d.classes.map((cls) => ({ ...cls, counterOids: counterOids(cls), ...classify(cls) }));
      process.stdout.write(JSON.stringify({ ...d, classes }, null, 2) + '\n');
    } else {
      process.stdout.write(renderDiscovery(d, (cls) => serviceClassText(classify(cls))));
    }
    return 0;
  },
});
