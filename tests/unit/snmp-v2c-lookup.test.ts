// The v2c sockets' host lookup (collector/snmp/v2c.ts lookupLiteral): IP literals answer at once,
// names go to DNS (only /etc/hosts' localhost here: no traffic leaves the machine); and a
// datagram really goes out over sockets that use it, to 127.0.0.1 and to ::1.
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { lookupLiteral } from '../../collector/snmp/v2c.ts';

describe('lookupLiteral', () => {
  it.each([
    ['127.0.0.1', 4, 4],
    ['::1', 6, 6],
  ])('%s is its own address, answered before it returns', (host, family, expected) => {
    let answer: [string, number] | undefined;
    lookupLiteral(host, family, (err, address, fam) => {
      expect(err).toBeNull();
      answer = [address, fam];
    });
    expect(answer).toEqual([host, expected]);
  });

  it('a name is looked up (asynchronously, in the family asked)', async () => {
    const answer = await new Promise<[string, number]>((resolve, reject) =>
      lookupLiteral('localhost', 4, (err, address, family) => (err ? reject(err) : resolve([address, family]))),
    );
    expect(answer[0]).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(answer[1]).toBe(4);
  });

  it.each([
    ['udp4', '127.0.0.1'],
    ['udp6', '::1'],
  ] as const)('a %s socket using it sends to %s', async (type, host) => {
    const receiver = createSocket(type);
    const sender = createSocket({ type, lookup: lookupLiteral });
    try {
      await new Promise<void>((resolve) => receiver.bind(0, host, resolve));
      const got = new Promise<string>((resolve) => receiver.once('message', (msg) => resolve(msg.toString())));
      const sent = new Promise<void>((resolve, reject) => sender.send('hello', receiver.address().port, host, (err) => (err ? reject(err) : resolve())));
      await sent;
      expect(await got).toBe('hello');
    } finally {
      receiver.close();
      sender.close();
    }
  });
});
