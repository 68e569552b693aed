// Free loopback ports for services the tests start (influxd, snmpd, snmpsim, the server, the
// simulated routers). Ports come from below the kernel's ephemeral range (32768–60999 here:
// see /proc/sys/net/ipv4/ip_local_port_range), so no outgoing socket of another process can
// take one between the check and the bind; each vitest worker walks its own slice of that
// range from a random start, and every port is checked free (TCP and UDP) before it is given.
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

const firstPort = 20_000;
const lastPort = 32_000;
const slices = 4;
const sliceSize = Math.floor((lastPort - firstPort) / slices);
const worker = Number(process.env['VITEST_POOL_ID'] ?? '1');
const sliceStart = firstPort + ((Number.isInteger(worker) ? worker : 1) % slices) * sliceSize;
let cursor = Math.floor(Math.random() * sliceSize);

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    sock.once('error', () => {
      sock.close();
      resolve(false);
    });
    sock.bind(port, '127.0.0.1', () => sock.close(() => resolve(true)));
  });
}

/** The next port of this worker's slice that is free for both TCP and UDP. */
async function nextFreePort(): Promise<number> {
  for (let tries = 0; tries < sliceSize; tries++) {
    const port = sliceStart + (cursor % sliceSize);
    cursor += 1;
    if ((await tcpFree(port)) && (await udpFree(port))) return port;
  }
  throw new Error(`no free port in ${sliceStart}–${sliceStart + sliceSize - 1}`);
}

/** A TCP port free on 127.0.0.1 right now. */
export function freeTcpPort(): Promise<number> {
  return nextFreePort();
}

/** A UDP port free on 127.0.0.1 right now (for SNMP agents). */
export function freeUdpPort(): Promise<number> {
  return nextFreePort();
}
