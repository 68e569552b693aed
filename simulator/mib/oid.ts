// OIDs as arrays of arcs. Ordering is the SNMP lexicographic order on arcs (RFC 3416 §4.2.2).

export type Oid = readonly number[];

export function parseOid(text: string): number[] {
  const trimmed = text.startsWith('.') ? text.slice(1) : text;
  const arcs = trimmed.split('.').map((part) => {
    if (!/^\d+$/.test(part)) throw new Error(`invalid OID "${text}"`);
    return Number(part);
  });
  if (arcs.length < 2) throw new Error(`invalid OID "${text}": needs at least two arcs`);
  return arcs;
}

export function formatOid(oid: Oid): string {
  return oid.join('.');
}

/** Negative when a sorts before b, 0 when equal, positive after. A prefix sorts first. */
export function compareOids(a: Oid, b: Oid): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function startsWith(oid: Oid, prefix: Oid): boolean {
  if (oid.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (oid[i] !== prefix[i]) return false;
  return true;
}
