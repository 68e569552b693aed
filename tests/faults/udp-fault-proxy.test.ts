// The UDP fault proxy itself: its pure decisions as tables, and a real echo agent behind it.
import { describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import { applyDecision, decide, noFaults, seededRandom, UdpFaultProxy, type UdpFaults } from '../helpers/udp-fault-proxy.ts';

describe('decide and applyDecision', () => {
  const always = (): number => 0;
  const never = (): number => 0.999_999;
  it.each([
    { what: 'no faults', faults: noFaults, random: always, expected: { drop: false, delayMs: 0, reordered: false } },
    { what: 'certain loss', faults: { ...noFaults, lossRate: 1 }, random: never, expected: { drop: true, delayMs: 0, reordered: false } },
    { what: 'delay, least jitter', faults: { ...noFaults, delayMs: 20, jitterMs: 5 }, random: always, expected: { drop: false, delayMs: 15, reordered: false } },
    { what: 'reordered', faults: { ...noFaults, reorderRate: 1, reorderExtraMs: 30 }, random: always, expected: { drop: false, delayMs: 30, reordered: true } },
  ])('$what', ({ faults, random, expected }) => {
    expect(decide(faults, 100, random)).toEqual(expected);
  });

  it('duplication, truncation and corruption are drawn and applied', () => {
    const faults: UdpFaults = { ...noFaults, duplicateRate: 1, truncateRate: 1, corruptRate: 1, corruptBytes: 4 };
    const decision = decide(faults, 10, () => 0.5);
    expect(decision).toMatchObject({ duplicateAfterMs: 3, truncateTo: 4, corrupt: { byte: 2, bit: 4 } });
    expect([...applyDecision(Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), decision)]).toEqual([0, 1, 2 ^ 16, 3]);
  });

  it('the same seed draws the same sequence', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    expect(Array.from({ length: 5 }, a)).toEqual(Array.from({ length: 5 }, b));
  });
});

describe('UdpFaultProxy with a real agent', () => {
  it('relays both ways, and drops, duplicates and cuts as told', async () => {
    const agent = createSocket('udp4');
    agent.on('message', (msg, rinfo) => agent.send(msg, rinfo.port, rinfo.address));
    await new Promise<void>((r) => agent.bind(0, '127.0.0.1', () => r()));
    const agentAddress = `127.0.0.1:${agent.address().port}`;
    const proxy = await UdpFaultProxy.start([agentAddress], noFaults, 1);
    const client = createSocket('udp4');
    const received: Buffer[] = [];
    client.on('message', (msg) => received.push(msg));
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    const [host, port] = proxy.addressOf(agentAddress).split(':');
    const send = async (text: string): Promise<void> => {
      client.send(Buffer.from(text), Number(port), host);
      await new Promise((r) => setTimeout(r, 80));
    };
    try {
      await send('hello');
      expect(received.map(String)).toEqual(['hello']);
      proxy.setFaults({ ...noFaults, lossRate: 1 });
      await send('lost');
      expect(received.length).toBe(1);
      proxy.setFaults({ ...noFaults, duplicateRate: 1 });
      await send('twice');
      // Duplicated on the way there and on the way back: the agent answers twice, each twice.
      expect(received.slice(1).map(String)).toEqual(['twice', 'twice', 'twice', 'twice']);
      proxy.setFaults({ ...noFaults, truncateRate: 1 });
      await send('truncated');
      expect(received.slice(5).every((m) => m.length < 'truncated'.length)).toBe(true);
      expect(proxy.toAgent).toMatchObject({ datagrams: 4, dropped: 1, duplicated: 1, truncated: 1 });
    } finally {
      client.close();
      agent.close();
      await proxy.stop();
    }
  });
});
