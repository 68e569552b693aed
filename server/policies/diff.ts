// What changed between two policy documents, as dotted paths to the leaves an engineer edits:
// an amount (`provinces.thanh-hoa.reservations.video`), a cap, one threshold. Pure.
import type { PolicyChange, PolicyDocument } from './model.ts';

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{ mbps }` or `{ percent }`: compared whole, never split. */
function isAmount(value: Plain): boolean {
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => k === 'mbps' || k === 'percent');
}

function isBranch(value: unknown): value is Plain {
  return isPlain(value) && !isAmount(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i]));
  }
  if (!isPlain(a) || !isPlain(b)) return false;
  const keysA = Object.keys(a).filter((k) => a[k] !== undefined);
  const keysB = Object.keys(b).filter((k) => b[k] !== undefined);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
}

function walk(path: string, before: unknown, after: unknown, out: PolicyChange[]): void {
  if (deepEqual(before, after)) return;
  const beforeBranch = isBranch(before);
  const afterBranch = isBranch(after);
  const descend =
    (beforeBranch && afterBranch) ||
    (beforeBranch && after === undefined && Object.keys(before).length > 0) ||
    (afterBranch && before === undefined && Object.keys(after).length > 0);
  if (!descend) {
    const change: PolicyChange = { path, before, after };
    out.push(change);
    return;
  }
  const left: Plain = beforeBranch ? before : {};
  const right: Plain = afterBranch ? after : {};
  const keys = [...Object.keys(left), ...Object.keys(right).filter((k) => !Object.hasOwn(left, k))];
  for (const key of keys) walk(path === '' ? key : `${path}.${key}`, left[key], right[key], out);
}

/**
 * The changes from `a` to `b`, document order (a's keys, then keys new in b). An absent value
 * is `undefined` (left out of JSON); `internetCap: null` is a value (the cap removed).
 */
export function diffDocuments(a: PolicyDocument, b: PolicyDocument): PolicyChange[] {
  const out: PolicyChange[] = [];
  walk('', a, b, out);
  return out;
}
