// Opens the auth state kept under `state.dir/auth`: users, sessions, the audit log, and the
// in-memory login throttle, as the server needs them together.
import type { Logger } from 'pino';
import type { Settings } from '../../config/schema.ts';
import { AuditLog } from './audit.ts';
import { SessionStore } from './sessions.ts';
import { LoginThrottle } from './throttle.ts';
import { authDir, UserStore } from './users.ts';

export interface AuthServices {
  users: UserStore;
  sessions: SessionStore;
  audit: AuditLog;
  throttle: LoginThrottle;
  /** Flushes what is pending (sessions' last use) and closes the audit log. */
  close(): Promise<void>;
}

export async function openAuthServices(options: {
  stateDir: string;
  auth: Settings['auth'];
  provinceIds: ReadonlySet<string>;
  log?: Logger;
}): Promise<AuthServices> {
  const dir = authDir(options.stateDir);
  const log = options.log;
  const users = await UserStore.open({ dir, provinceIds: options.provinceIds, ...(log ? { log } : {}) });
  const sessions = await SessionStore.open({ dir, idleMs: options.auth.sessionIdleMs, maxMs: options.auth.sessionMaxMs, ...(log ? { log } : {}) });
  const audit = await AuditLog.open({ dir, ...(log ? { log } : {}) });
  const throttle = new LoginThrottle({
    maxFailuresPerUser: options.auth.maxFailuresPerUser,
    maxFailuresPerAddress: options.auth.maxFailuresPerAddress,
    windowMs: options.auth.windowMs,
  });
  const close = async () => {
    await sessions.close();
    await audit.close();
  };
  return { users, sessions, audit, throttle, close };
}
