// The one IF-MIB OID table (collector/snmp/if-mib.ts) against the MIB texts: every name
// resolves, in net-snmp's MIB parser over the IF-MIB and SNMPv2-MIB modules it ships, to the
// OID written in the table.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import snmp from 'net-snmp';
import { DISCOVERY_COLUMNS, IF_MIB, IF_TABLE, IF_X_TABLE, POLL_COLUMNS, POLL_FALLBACK_COLUMNS, SNMPV2_MIB } from '../../collector/snmp/if-mib.ts';
import { IF_COLUMNS, INTERFACE_COLUMNS } from '../../collector/discovery/interfaces.ts';
import { OID } from '../../collector/poller.ts';

const mibDir = join(dirname(createRequire(import.meta.url).resolve('net-snmp')), 'lib', 'mibs');

/** name → OID of every object, table column and scalar instance of the modules. */
function oidsFromMibs(): Map<string, string> {
  const store = snmp.createModuleStore();
  store.loadFromFile(join(mibDir, 'IANAifType-MIB.mib'));
  store.loadFromFile(join(mibDir, 'IF-MIB.mib'));
  const out = new Map<string, string>();
  for (const module of ['IF-MIB', 'SNMPv2-MIB']) {
    for (const p of store.getProvidersForModule(module)) {
      if (p.type === snmp.MibProviderType.Table) {
        out.set(p.name, p.oid.replace(/\.1$/, ''));
        for (const c of p.tableColumns ?? []) out.set(c.name, `${p.oid}.${c.number}`);
      } else out.set(p.name, `${p.oid}.0`);
    }
  }
  return out;
}

describe('the IF-MIB table', () => {
  const fromMib = oidsFromMibs();

  it.each(Object.entries({ ...IF_MIB, ...SNMPV2_MIB }))('%s is %s', (name, oid) => {
    expect(fromMib.get(name)).toBe(oid);
  });

  it('names the tables', () => {
    expect(IF_TABLE).toBe(fromMib.get('ifEntry'));
    expect(IF_X_TABLE).toBe(fromMib.get('ifXEntry'));
  });

  it('is the one the poll, the discovery and the benchmarks read', () => {
    expect(OID).toEqual({ sysUpTime: SNMPV2_MIB.sysUpTime, ...IF_MIB });
    expect(INTERFACE_COLUMNS).toBe(DISCOVERY_COLUMNS);
    expect(Object.values(IF_COLUMNS).every((c) => Object.values(IF_MIB).includes(c as never))).toBe(true);
    for (const c of [...POLL_COLUMNS, ...POLL_FALLBACK_COLUMNS, ...DISCOVERY_COLUMNS]) expect(Object.values(IF_MIB)).toContain(c);
    expect(new Set(POLL_COLUMNS).size).toBe(POLL_COLUMNS.length);
  });
});
