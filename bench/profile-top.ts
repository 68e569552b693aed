// Prints the top frames of a V8 CPU profile (`node --cpu-prof`, or BENCH_PROFILE's): self time
// by function and by package or source folder, as shares of the busy time; of a heap-sampling
// profile (`.heapprofile`): bytes allocated by function.
// Usage: tsx bench/profile-top.ts FILE.cpuprofile|FILE.heapprofile [--top N]
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function isProfile(value: unknown): value is CpuProfile {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return Array.isArray(v.nodes) && Array.isArray(v.samples) && Array.isArray(v.timeDeltas);
}

/** The folder a frame belongs to: `net-snmp`, `collector/snmp`, `(gc)`, … */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg?.[1] !== undefined) return pkg[1];
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  // Our own sources: their folder (`collector/snmp`, `server/live`).
  const own = /\/((?:api|bench|cli|collector|config|server|simulator)(?:\/[^/]+)*)\/[^/]+$/.exec(url);
  return own?.[1] ?? url;
}

interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

function isHeapProfile(value: unknown): value is { head: HeapNode } {
  return typeof value === 'object' && value !== null && typeof (value as { head?: unknown }).head === 'object';
}

function shortName(f: CallFrame): string {
  const short = f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/\/work\/[^/]+\//, '').replace(/^.*\/work\/[^/]+\//, '');
  return `${f.functionName || '(anonymous)'} ${short}${f.url ? `:${f.lineNumber + 1}` : ''}`;
}

function heapTop(file: string, head: HeapNode, top: number): void {
  const byFunction = new Map<string, number>();
  let total = 0;
  const walk = (n: HeapNode): void => {
    if (n.selfSize > 0) {
      const key = shortName(n.callFrame);
      byFunction.set(key, (byFunction.get(key) ?? 0) + n.selfSize);
      total += n.selfSize;
    }
    for (const c of n.children) walk(c);
  };
  walk(head);
  console.log(`${file}: ${(total / 1e6).toFixed(1)} MB sampled allocations\n`);
  console.log('| allocated | function |\n|---:|---|');
  for (const [fn, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`| ${((bytes / total) * 100).toFixed(1)} % | ${fn} |`);
}

function main(): void {
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: tsx bench/profile-top.ts FILE.cpuprofile|FILE.heapprofile [--top N]');
  const topIndex = process.argv.indexOf('--top');
  const top = topIndex > 0 ? Number(process.argv[topIndex + 1]) : 25;
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (isHeapProfile(parsed)) {
    heapTop(file, parsed.head, top);
    return;
  }
  if (!isProfile(parsed)) throw new Error(`${file}: not a V8 CPU profile`);
  const byId = new Map(parsed.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of parsed.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  /** Samples under the inspector (the profiler's own start and stop) are not the program's. */
  const underInspector = (id: number): boolean => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parentOf.get(cur)) {
      if (byId.get(cur)?.callFrame.url === 'node:inspector') return true;
    }
    return false;
  };
  const selfUs = new Map<number, number>();
  let totalUs = 0;
  parsed.samples.forEach((id, i) => {
    const dt = parsed.timeDeltas[i] ?? 0;
    if (underInspector(id)) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    totalUs += dt;
  });
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const f = node.callFrame;
    if (f.functionName === '(idle)' || f.functionName === '(program)') {
      if (f.functionName === '(idle)') idleUs += us;
    }
    if (f.functionName === '(idle)') continue;
    const key = shortName(f);
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const area = areaOf(f);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const pct = (us: number) => `${((us / busyUs) * 100).toFixed(1)} %`;
  console.log(`${file}: ${(totalUs / 1e6).toFixed(1)} s sampled, ${(busyUs / 1e6).toFixed(1)} s busy (shares below are of busy time)\n`);
  console.log('| self | area |\n|---:|---|');
  for (const [area, us] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`| ${pct(us)} | ${area} |`);
  console.log('\n| self | function |\n|---:|---|');
  for (const [fn, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`| ${pct(us)} | ${fn} |`);
}

main();
