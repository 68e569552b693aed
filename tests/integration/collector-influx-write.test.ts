// The store's line-protocol writer (collector/store/influx-write.ts) against a real influxd:
// lines written are read back; a refused write carries InfluxDB's status and message (a
// partial write says how many points it dropped); a database that is not there is a 404; a
// server that never answers times out; the URL's password never reaches a message.
import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfluxDB } from 'influx';
import { startInfluxd, type InfluxdHandle } from '../helpers/influxd.ts';
import { InfluxLineWriter, InfluxWriteError } from '../../collector/store/influx-write.ts';

let influxd: InfluxdHandle;
let authed: InfluxdHandle;
const admin = { username: 'lwadmin', password: 'lw-secret-Pa55' };

beforeAll(async () => {
  [influxd, authed] = await Promise.all([startInfluxd(), startInfluxd({ admin })]);
  await new InfluxDB({ host: '127.0.0.1', port: influxd.port }).createDatabase('lw');
}, 60_000);

afterAll(async () => {
  await Promise.all([influxd?.destroy(), authed?.destroy()]);
});

async function failure(p: Promise<unknown>): Promise<InfluxWriteError | Error> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err as Error,
  );
}

describe('InfluxLineWriter', () => {
  it('writes lines that read back as written (ms precision, floats, booleans, strings)', async () => {
    const writer = new InfluxLineWriter({ url: influxd.url, database: 'lw' });
    try {
      await writer.write('traffic,dir=down,link=l1,province=hue,tier=2 bps_total=1234,util_total=0.5 1700000000123\npoll,device=r1,province=hue error="x \\"y\\"",ok=false 1700000000124');
      const q = new InfluxDB({ host: '127.0.0.1', port: influxd.port, database: 'lw' });
      const traffic = await q.query<Record<string, unknown>>('SELECT * FROM traffic');
      expect(traffic[0]).toMatchObject({ link: 'l1', bps_total: 1234, util_total: 0.5 });
      expect((traffic[0]?.time as Date).getTime()).toBe(1_700_000_000_123);
      const poll = await q.query<Record<string, unknown>>('SELECT * FROM poll');
      expect(poll[0]).toMatchObject({ ok: false, error: 'x "y"' });
    } finally {
      writer.close();
    }
  });

  it('a field type conflict is a 400 naming how many points InfluxDB dropped; the good ones are kept', async () => {
    const writer = new InfluxLineWriter({ url: influxd.url, database: 'lw' });
    try {
      await writer.write('conflict v=1 1000');
      const err = await failure(writer.write('conflict v="text" 2000\nconflict v=3 3000'));
      expect(err).toBeInstanceOf(InfluxWriteError);
      expect((err as InfluxWriteError).res.statusCode).toBe(400);
      expect(err.message).toMatch(/^influxdb answered 400: partial write:.*dropped=1$/s);
      const q = new InfluxDB({ host: '127.0.0.1', port: influxd.port, database: 'lw' });
      expect(await q.query('SELECT v FROM conflict')).toHaveLength(2);
    } finally {
      writer.close();
    }
  });

  it('a database that is not there is a 404', async () => {
    const writer = new InfluxLineWriter({ url: influxd.url, database: 'nope' });
    try {
      const err = await failure(writer.write('m v=1 1'));
      expect((err as InfluxWriteError).res.statusCode).toBe(404);
      expect(err.message).toContain('database not found');
    } finally {
      writer.close();
    }
  });

  it('a server that takes the request and never answers: a timeout, not a hang', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => void sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const writer = new InfluxLineWriter({ url: `http://127.0.0.1:${port}`, database: 'lw', requestTimeoutMs: 300 });
    const t0 = performance.now();
    try {
      const err = await failure(writer.write('m v=1 1'));
      expect(err.message).toContain('timed out after 300 ms');
      expect(performance.now() - t0).toBeLessThan(2_000);
    } finally {
      writer.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('credentials from the URL: accepted when right; when wrong a 401 whose message holds no password', async () => {
    const q = new InfluxDB({ host: '127.0.0.1', port: authed.port, username: admin.username, password: admin.password });
    await q.createDatabase('lw');
    const good = new InfluxLineWriter({ url: `http://${admin.username}:${encodeURIComponent(admin.password)}@127.0.0.1:${authed.port}`, database: 'lw' });
    const bad = new InfluxLineWriter({ url: `http://${admin.username}:wrong-Pa55word@127.0.0.1:${authed.port}`, database: 'lw' });
    try {
      await good.write('m v=1 1');
      const err = await failure(bad.write('m v=1 2'));
      expect((err as InfluxWriteError).res.statusCode).toBe(401);
      expect(`${err.message} ${err.stack ?? ''} ${JSON.stringify(err)}`).not.toMatch(/wrong-Pa55word|lw-secret|d3JvbmctUGE1NXdvcmQ/);
    } finally {
      good.close();
      bad.close();
    }
  });
});
