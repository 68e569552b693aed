// An SNMP agent in the test's own process: the project's RouterAgent over a MIB the test builds,
// on a UDP port of 127.0.0.1, and the collector's session to it (v2c through the collector's own
// transport, SNMPv3 through net-snmp, as the collector reads each). For the reads' edge cases a
// recorded agent cannot be put in on demand; the suite also runs against snmpd and snmpsim.
import { createSocket, type Socket } from 'node:dgram';
import { openSession, V2cSession, V2cTransport, type SnmpSession } from '../../collector/snmp/index.ts';
import type { SnmpConfig } from '../../config/schema.ts';
import { RouterAgent, type MibTree } from '../../simulator/agent/router-agent.ts';
import { deriveUser, PasswordKeyCache } from '../../simulator/agent/usm.ts';

export interface InProcessAgentOptions {
  mib: MibTree;
  version: '2c' | '3';
  /** The v2c community, and the SNMPv3 user's name (its keys derive from it). */
  name: string;
  /** The SNMPv3 engine id (hex). */
  engineIdHex: string;
  /** Changes each request in place before the agent reads it (a fault). */
  onRequest?: (request: Buffer) => void;
  /** Replaces each answer before it is sent (a fault). */
  onAnswer?: (answer: Buffer) => Buffer;
}

export interface InProcessAgent {
  session: SnmpSession;
  target: string;
  agent: RouterAgent;
  /** Requests that were reads (SNMPv3's engine discovery left out). */
  reads(): number;
  close(): void;
}

export async function startInProcessAgent(opts: InProcessAgentOptions): Promise<InProcessAgent> {
  const engineId = Buffer.from(opts.engineIdHex, 'hex');
  const v3: Extract<SnmpConfig, { version: '3' }> = {
    version: '3',
    user: opts.name,
    authProtocol: 'sha',
    authKey: `${opts.name}-auth-key`,
    privProtocol: 'aes',
    privKey: `${opts.name}-priv-key`,
  };
  const security =
    opts.version === '2c'
      ? { version: '2c' as const, community: opts.name }
      : { version: '3' as const, engineId, engineBoots: 1, user: deriveUser(new PasswordKeyCache(), v3, engineId) };
  const agent = new RouterAgent({ security, mib: opts.mib, clock: { simulatedNowMs: () => 0, engineTimeSeconds: () => 0 } });
  const socket: Socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    opts.onRequest?.(msg);
    let answer = agent.handle(msg);
    if (answer && opts.onAnswer) answer = opts.onAnswer(answer);
    if (answer) socket.send(answer, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  const target = `127.0.0.1:${port}`;
  const timing = { timeoutMs: 500, retries: 0 };
  if (opts.version === '3') {
    const open = openSession(target, v3, timing);
    // The engine discovery's request (a report) is not a read.
    const discovery = 1;
    return {
      session: open.session,
      target,
      agent,
      reads: () => agent.counters.requests - discovery,
      close: () => {
        open.close();
        socket.close();
      },
    };
  }
  const transport = new V2cTransport();
  const session = new V2cSession({ host: '127.0.0.1', port, family: 4, community: opts.name, timing, target, transport });
  return {
    session,
    target,
    agent,
    reads: () => agent.counters.requests,
    close: () => {
      session.close();
      transport.close();
      socket.close();
    },
  };
}
