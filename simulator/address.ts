// Agent addresses: `host:port` from the topology, restricted to loopback. The simulator must
// never answer (or send) on a real network.
import { isIPv4, isIPv6 } from 'node:net';

export interface HostPort {
  host: string;
  port: number;
  family: 4 | 6;
}

export class AddressError extends Error {
  override name = 'AddressError';
}

/** Parses `127.0.0.1:16101`, `[::1]:16101` or `localhost:16101`; throws AddressError otherwise. */
export function parseLoopbackAddress(address: string): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address);
  if (!match) throw new AddressError(`"${address}" is not host:port`);
  const rawHost = match[1] ?? match[2] ?? '';
  const port = Number(match[3]);
  if (port > 65_535) throw new AddressError(`"${address}": port ${port} is out of range`);
  const host = rawHost === 'localhost' ? '127.0.0.1' : rawHost;
  if (isIPv4(host)) {
    if (!host.startsWith('127.')) {
      throw new AddressError(`${address} is not a loopback address: the simulator only binds 127.0.0.0/8 or [::1]`);
    }
    return { host, port, family: 4 };
  }
  if (isIPv6(host)) {
    if (host !== '::1' && host !== '0:0:0:0:0:0:0:1') {
      throw new AddressError(`${address} is not a loopback address: the simulator only binds 127.0.0.0/8 or [::1]`);
    }
    return { host: '::1', port, family: 6 };
  }
  throw new AddressError(`${address}: "${rawHost}" is not an IP address (the simulator binds literal loopback addresses only)`);
}
