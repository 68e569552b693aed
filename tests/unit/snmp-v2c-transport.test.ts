// The v2c transport's request path (collector/snmp/v2c.ts) against a tiny loopback agent that
// answers a GET by echoing it back as a Response, with an error status when asked: an answer
// resolves, an error status rejects as a `request` SnmpError naming it, an agent that answers
// only a later copy is read after the resend, and one that never answers times out after
// every retry.
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { readHeader, Tag } from '../../collector/snmp/ber.ts';
import { SnmpError, V2cSession, V2cTransport } from '../../collector/snmp/index.ts';

/** The request echoed as a Response PDU with `errorStatus` and `errorIndex` (single-byte INTEGERs in a GET). */
function echoAnswer(request: Buffer, errorStatus: number, errorIndex: number): Buffer {
  const answer = Buffer.from(request);
  const [, outerStart, outerEnd] = readHeader(answer, 0, answer.length);
  const [, , vEnd] = readHeader(answer, outerStart, outerEnd);
  const [, , cEnd] = readHeader(answer, vEnd, outerEnd);
  const [, pduStart, pduEnd] = readHeader(answer, cEnd, outerEnd);
  answer[cEnd] = Tag.response;
  const [, , idEnd] = readHeader(answer, pduStart, pduEnd);
  const [, statusStart, statusEnd] = readHeader(answer, idEnd, pduEnd);
  const [, indexStart] = readHeader(answer, statusEnd, pduEnd);
  answer[statusStart] = errorStatus;
  answer[indexStart] = errorIndex;
  return answer;
}

/** An agent on 127.0.0.1 answering the `answerFrom`-th copy (1-based) of each request and later ones; 0: never. */
async function startAgent(opts: { answerFrom: number; errorStatus?: number; errorIndex?: number }): Promise<{ port: number; copies: () => number; socket: Socket }> {
  const socket = createSocket('udp4');
  let copies = 0;
  socket.on('message', (msg, rinfo) => {
    copies++;
    if (opts.answerFrom > 0 && copies >= opts.answerFrom) socket.send(echoAnswer(msg, opts.errorStatus ?? 0, opts.errorIndex ?? 0), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, copies: () => copies, socket };
}

const sysUpTimeVarbind = (transport: V2cTransport): Buffer => transport.varbindOf('1.3.6.1.2.1.1.3.0');

describe('V2cTransport requests', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  async function sessionTo(agent: { answerFrom: number; errorStatus?: number; errorIndex?: number }, timing = { timeoutMs: 100, retries: 2 }) {
    const a = await startAgent(agent);
    const transport = new V2cTransport();
    const session = new V2cSession({ host: '127.0.0.1', port: a.port, family: 4, community: 'public', timing, target: `127.0.0.1:${a.port}`, transport });
    cleanups.push(() => {
      session.close();
      transport.close();
      a.socket.close();
    });
    return { agent: a, transport, session };
  }

  it('an answer resolves, nothing left in flight', async () => {
    const { session, transport } = await sessionTo({ answerFrom: 1 });
    const answer = await session.get([sysUpTimeVarbind(transport)]);
    expect(answer.head.errorStatus).toBe(0);
    expect(transport.pending).toBe(0);
    expect(session.inFlight.size).toBe(0);
  });

  it('an error status rejects as a request error naming it', async () => {
    const { session, transport } = await sessionTo({ answerFrom: 1, errorStatus: 5, errorIndex: 1 });
    const err = await session.get([sysUpTimeVarbind(transport)]).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(SnmpError);
    expect((err as SnmpError).kind).toBe('request');
    expect((err as SnmpError).message).toMatch(/agent error: genErr at varbind 1/);
    expect(transport.pending).toBe(0);
  });

  it('the same request is resent after a timeout: an agent answering the third copy is read', async () => {
    const { session, transport, agent } = await sessionTo({ answerFrom: 3 });
    await session.get([sysUpTimeVarbind(transport)]);
    expect(agent.copies()).toBe(3);
  });

  it('no answer: a timeout after the first send and each of the retries', async () => {
    const { session, transport, agent } = await sessionTo({ answerFrom: 0 }, { timeoutMs: 50, retries: 2 });
    const started = performance.now();
    const err = await session.get([sysUpTimeVarbind(transport)]).then(() => undefined, (e: unknown) => e);
    expect((err as SnmpError).kind).toBe('timeout');
    expect(agent.copies()).toBe(3);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(transport.pending).toBe(0);
  });
});
