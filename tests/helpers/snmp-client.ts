// A plain net-snmp client for the tests and benchmarks that look at an agent's raw answers
// (each varbind's type and value as sent): one session per request, closed after it.
import type { ChildProcess } from 'node:child_process';
import type { RouterConfig } from '../../config/schema.ts';
import { openSession, type NetSnmpOpenSession, type SessionTiming } from '../../collector/snmp/session.ts';
import { waitFor, type WaitOptions } from './wait.ts';

export interface Varbind {
  oid: string;
  type: number;
  value: unknown;
}

type Agent = Pick<RouterConfig, 'address' | 'snmp'>;

const defaultTiming: SessionTiming = { timeoutMs: 3_000, retries: 2 };

function request(agent: Agent, timing: SessionTiming, send: (session: NetSnmpOpenSession['session'], done: (error: unknown, varbinds: unknown) => void) => void): Promise<Varbind[]> {
  const open = openSession(agent.address, agent.snmp, timing);
  return new Promise<Varbind[]>((resolve, reject) => {
    send(open.session, (error, varbinds) => {
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve((Array.isArray(varbinds) ? varbinds : []).flat() as Varbind[]);
    });
  }).finally(() => open.close());
}

/** One GETBULK: the first `nonRepeaters` OIDs once, the others `maxRepetitions` times. */
export function getBulk(agent: Agent, oids: string[], nonRepeaters: number, maxRepetitions: number, timing = defaultTiming): Promise<Varbind[]> {
  return request(agent, timing, (session, done) => session.getBulk(oids, nonRepeaters, maxRepetitions, done));
}

/** One GET of `oids`. */
export function get(agent: Agent, oids: string[], timing: SessionTiming = defaultTiming): Promise<Varbind[]> {
  return request(agent, timing, (session, done) => session.get(oids, done));
}

/**
 * Waits until `agent` answers a GET of sysUpTime.0 (the last agent a simulator binds, or a
 * daemon), failing at once when `child`, the process serving it, exits.
 */
export async function waitForAgent(
  agent: Agent & { id: string },
  child: ChildProcess,
  options: Omit<WaitOptions, 'failIf'> & { timing?: SessionTiming } = {},
): Promise<void> {
  const answers = (): Promise<boolean> => get(agent, ['1.3.6.1.2.1.1.3.0'], options.timing).then(() => true);
  await waitFor(`${agent.id} at ${agent.address} to answer`, answers, {
    ...options,
    failIf: () => (child.exitCode === null ? undefined : `its process exited (${child.signalCode ?? child.exitCode})`),
  });
}
