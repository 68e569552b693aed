// `npm run demo`: the whole system on the embedded example config — a local influxd, the
// simulated national network, then `lanewatch run` (collector + store + server + UI).
// `npm run demo -- --national`: the same on config/national (the centre, 34 province cores and
// the 3,321 commune-level units' routers, every link polled at both ends every 10 s), with its
// own database and state directory.
// Installs what is missing (npm packages; Debian's influxdb when running as root).
// PORT overrides the HTTP port (default 8080). Ctrl-C stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureNodeModules, ensureDebianPackages, buildWeb, root } from './ensure.mjs';
import { influxdAnswers, influxdConfig, influxdSubdirs } from './influxd-config.mjs';

const influxPort = 18086; // config/example/settings.yaml and config/national/settings.yaml influx.url
const influxBindPort = 18088;
const influxUrl = `http://127.0.0.1:${influxPort}`;
const national = process.argv.slice(2).includes('--national');
const unknown = process.argv.slice(2).filter((a) => a !== '--national');
if (unknown.length > 0) {
  console.error(`[demo] unknown argument ${unknown.join(' ')}: npm run demo [-- --national]`);
  process.exit(2);
}
const configDir = join(root, 'config', national ? 'national' : 'example');

ensureNodeModules();
ensureDebianPackages(['influxdb']);
buildWeb();

const children = [];
let stopping = false;

function prefixed(name, stream, out) {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      out.write(`[${name}] ${buf.slice(0, i)}\n`);
      buf = buf.slice(i + 1);
    }
  });
}

function start(name, cmd, args, opts = {}) {
  const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  prefixed(name, child.stdout, process.stdout);
  prefixed(name, child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[demo] ${name} exited (${signal ?? code}); stopping the demo`);
      void stopAll(1);
    }
  });
  children.push({ name, child });
  return child;
}

async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const { child } of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(timer);
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

async function startInflux() {
  if (await influxdAnswers(influxUrl)) {
    console.log(`[demo] using the InfluxDB already answering at ${influxUrl}`);
    return;
  }
  const dir = join(root, '.tmp', 'demo', 'influx');
  for (const sub of influxdSubdirs) mkdirSync(join(dir, sub), { recursive: true });
  const conf = join(dir, 'influxdb.conf');
  writeFileSync(conf, influxdConfig({ dir, httpPort: influxPort, bindPort: influxBindPort }));
  const log = openSync(join(dir, 'influxd.log'), 'a');
  const child = spawn('influxd', ['run', '-config', conf], { cwd: root, stdio: ['ignore', log, log] });
  children.push({ name: 'influxd', child });
  child.on('exit', (code) => {
    if (!stopping) console.error(`[demo] influxd exited (${code}); see ${join(dir, 'influxd.log')}`);
  });
  const deadline = Date.now() + 20000;
  while (!(await influxdAnswers(influxUrl))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      console.error(`[demo] influxd did not start; see ${join(dir, 'influxd.log')}`);
      await stopAll(1);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`[demo] influxd answering at ${influxUrl} (data in ${dir})`);
}

/**
 * The demo's users: admin, engineer, viewer and one province user per province (named by its
 * id, e.g. bac-ninh), all with LANEWATCH_DEMO_PASSWORD or one generated password.
 */
async function createDemoUsers(cli) {
  const { parse } = await import('yaml');
  const topology = parse(readFileSync(join(configDir, 'topology.yaml'), 'utf8'));
  const given = process.env.LANEWATCH_DEMO_PASSWORD;
  const password = given && given.length > 0 ? given : randomBytes(12).toString('base64url');
  const users = [
    { username: 'admin', role: 'admin' },
    { username: 'engineer', role: 'engineer' },
    { username: 'viewer', role: 'viewer' },
    ...topology.provinces.map((p) => ({ username: p.id, role: 'province', province: p.id })),
  ];
  const input = users.map((u) => JSON.stringify({ ...u, password })).join('\n') + '\n';
  const result = spawnSync(process.execPath, [cli, 'user', 'import', '--config', configDir], { cwd: root, input, encoding: 'utf8' });
  if (result.status !== 0) {
    console.error(`[demo] creating the demo users failed:\n${result.stderr}`);
    await stopAll(1);
  }
  console.log(`[demo] users: admin, engineer, viewer and one per province (e.g. bac-ninh, thanh-hoa); password: ${given ? '(LANEWATCH_DEMO_PASSWORD)' : password}`);
}

/** Resolves when the child writes a line containing `text` (the simulator's "serving" log line). */
function lineSeen(child, text, timeoutMs) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    const onData = (chunk) => {
      if (!String(chunk).includes(text)) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve(true);
    };
    child.stdout.on('data', onData);
  });
}

await startInflux();
const cli = join(root, 'bin', 'lanewatch.js');
await createDemoUsers(cli);
if (national) console.log('[demo] the national example: 3,357 simulated routers on 127.30.0.0/16, port 16161 (starting takes a few seconds)');
const simulator = start('simulate', process.execPath, [cli, 'simulate', '--config', configDir, '--scenario', join(configDir, 'scenarios', 'demo.yaml')]);
// The collector starts once every router answers, so that none starts out marked down.
if (!(await lineSeen(simulator, 'simulator serving', 120_000))) console.error('[demo] the simulator is slow to start; starting lanewatch anyway');
start('lanewatch', process.execPath, [cli, 'run', '--config', configDir], { env: { ...process.env } });
const port = process.env.PORT || '8080';
console.log(`[demo] open http://127.0.0.1:${port}/  (Ctrl-C stops everything)`);
