// `npm test`: installs what the tests need, type-checks everything, builds the UI and runs
// every test (unit, integration against real influxd/snmpd/snmpsim, end-to-end in Chromium).
// Extra arguments go to vitest, e.g. `npm test -- tests/unit`.
import { readFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureNodeModules, ensureDebianPackages, buildWeb, run, root } from './ensure.mjs';

ensureNodeModules();
ensureDebianPackages(['influxdb', 'snmpd', 'snmp', 'snmpsim', 'chromium']);

const extra = process.argv.slice(2);
if (extra.length === 0) {
  console.log('[test] type-checking: npm run check');
  if (run('npm', ['run', '--silent', 'check']) !== 0) {
    console.error('[test] type check failed');
    process.exit(1);
  }
}
buildWeb();

const reportDir = join(root, '.tmp');
mkdirSync(reportDir, { recursive: true });
const report = join(reportDir, 'vitest-report.json');
rmSync(report, { force: true });
const code = run(process.execPath, [
  join(root, 'node_modules/vitest/vitest.mjs'), 'run',
  '--reporter=default', '--reporter=json', `--outputFile.json=${report}`,
  ...extra,
]);

// A plain closing line that any CI reads: "N passed, N failed, N skipped".
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`\ntests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  if (r.numTotalTests === 0) {
    console.error('[test] no test ran');
    process.exit(1);
  }
} catch {
  console.error('[test] vitest wrote no report');
  process.exit(code === 0 ? 1 : code);
}
process.exit(code);
