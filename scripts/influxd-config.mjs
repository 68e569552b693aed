// The influxdb.conf of every local influxd Lanewatch starts (the demo, the tests, the
// benchmarks), and how each of them knows it is up. Only node builtins: `npm run demo` imports it
// with plain node, the TypeScript tests and benchmarks through influxd-config.d.mts.

/** The `[data]` settings a caller may set; InfluxDB's defaults where left out. */
const dataKeys = [
  ['indexVersion', 'index-version', (v) => `"${v}"`],
  ['maxSeriesPerDatabase', 'max-series-per-database', String],
  ['maxValuesPerTag', 'max-values-per-tag', String],
];

/** The config text: loopback only, no usage reports, no query or HTTP logs, no `_internal` store. */
export function influxdConfig({ dir, httpPort, bindPort, authEnabled = false, data = {} }) {
  const dataLines = dataKeys
    .filter(([key]) => data[key] !== undefined)
    .map(([key, name, format]) => `  ${name} = ${format(data[key])}\n`)
    .join('');
  return `reporting-disabled = true
bind-address = "127.0.0.1:${bindPort}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
${dataLines}[coordinator]
[retention]
[shard-precreation]
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
  auth-enabled = ${authEnabled}
[continuous_queries]
  enabled = true
  log-enabled = false
`;
}

/** The subdirectories the config names below `dir`; influxd wants them to exist. */
export const influxdSubdirs = ['meta', 'data', 'wal'];

/** True once influxd answers its /ping (204); false while it is starting or gone. */
export async function influxdAnswers(url) {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(500) });
    return res.status === 204;
  } catch {
    return false;
  }
}
