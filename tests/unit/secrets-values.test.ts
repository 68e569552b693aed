import { describe, expect, it } from 'vitest';
import { settingsSchema, topologySchema, type LanewatchConfig } from '../../config/schema.ts';
import { redactText, redactUrl, secretValues, topologySecrets } from '../../config/secrets.ts';
import type { Logger } from 'pino';
import type { Writable } from 'node:stream';
import { pollLogger } from '../../cli/commands/poll.ts';
import { simulateLogger } from '../../cli/commands/simulate.ts';
import { logSink } from '../helpers/log-capture.ts';

const base64 = (text: string): string => Buffer.from(text).toString('base64');

const slackHook = 'https://hooks.example.org/services/T0001/B0002/XyZtOkEn1234567890abcd';
const queryHook = 'https://alerts.example.net/hook?channel=noc&token=c2VjcmV0LXRva2VuLTEyMzQ1';

function config(influxUrl: string): LanewatchConfig {
  const settings = settingsSchema.parse({
    influx: { url: influxUrl },
    notify: { smtp: { host: 'smtp.example.org', from: 'lanewatch@noc.gov.vn', username: 'relay', password: 'smtp-Pass-42' } },
  });
  const topology = topologySchema.parse({
    provinces: [
      { id: 'hue', contacts: { email: ['noc@hue.gov.vn'], webhook: [slackHook, queryHook] } },
      { id: 'ha-noi' },
    ],
    routers: [
      { id: 'r1', address: '127.0.0.1:161', snmp: { version: '2c', community: 'c0mmunity-r1' } },
      { id: 'r2', address: '127.0.0.1:162', snmp: { version: '3', user: 'monitor', authKey: 'auth-key-r2', privKey: 'priv-key-r2' } },
    ],
    links: [{ id: 'l1', tier: 1, province: 'hue', router: 'r1', ifName: 'ge-0/0/1' }],
  });
  return { dir: '/nowhere', settings, topology, provinces: new Map(), classRules: [] };
}

describe('secretValues', () => {
  const secrets = secretValues(config('http://lanewatch:p%40ss%20w0rd@influx.example.org:8086'));

  it.each([
    ['an SNMP community', 'c0mmunity-r1'],
    ['an SNMPv3 auth key', 'auth-key-r2'],
    ['an SNMPv3 priv key', 'priv-key-r2'],
    ['the InfluxDB password as written in the URL', 'p%40ss%20w0rd'],
    ['the InfluxDB password decoded', 'p@ss w0rd'],
    ['the InfluxDB password form-encoded', 'p%40ss+w0rd'],
    ['the Basic Authorization of the InfluxDB user', base64('lanewatch:p@ss w0rd')],
    ['the SMTP password', 'smtp-Pass-42'],
    ['the Basic Authorization of the SMTP user', base64('relay:smtp-Pass-42')],
    ['a whole webhook URL', slackHook],
    ['the token segment of a webhook path', 'XyZtOkEn1234567890abcd'],
    ['a whole webhook URL with a query', queryHook],
    ['a token in a webhook query', 'c2VjcmV0LXRva2VuLTEyMzQ1'],
  ])('holds %s', (_what, secret) => {
    expect(secrets).toContain(secret);
  });

  it.each([
    ['the InfluxDB user name', 'lanewatch'],
    ['the InfluxDB host', 'influx.example.org'],
    ['a short query value', 'noc'],
    ['an e-mail contact (personal data, not a secret)', 'noc@hue.gov.vn'],
    ['the SNMPv3 user name', 'monitor'],
  ])('does not hold %s', (_what, value) => {
    expect(secrets).not.toContain(value);
  });

  it('is deduplicated and longest first', () => {
    expect(new Set(secrets).size).toBe(secrets.length);
    expect(secrets.map((s) => s.length)).toEqual(secrets.map((s) => s.length).sort((a, b) => b - a));
  });

  it('an InfluxDB URL without a password adds nothing for InfluxDB', () => {
    const without = secretValues(config('http://127.0.0.1:8086'));
    expect(without.some((s) => s.includes('127.0.0.1'))).toBe(false);
    expect(without).toContain('c0mmunity-r1');
  });
});

describe('topologySecrets', () => {
  it('is the SNMP part of secretValues: communities and SNMPv3 keys', () => {
    const snmp = ['c0mmunity-r1', 'auth-key-r2', 'priv-key-r2'];
    expect(topologySecrets(config('http://127.0.0.1:8086').topology)).toEqual(snmp);
    for (const secret of snmp) expect(secretValues(config('http://127.0.0.1:8086'))).toContain(secret);
  });
});

describe('the loggers of lanewatch poll and simulate, like run’s', () => {
  it.each<[string, (stream: Writable) => Logger]>([
    ['poll', (stream) => pollLogger(config('http://lanewatch:p%40ss%20w0rd@127.0.0.1:8086'), 'debug', stream)],
    ['simulate', (stream) => simulateLogger(config('http://127.0.0.1:8086').topology, stream)],
  ])('%s: a line carrying a community or an SNMPv3 key is scrubbed', (_command, make) => {
    const sink = logSink();
    make(sink.stream).warn({ community: 'c0mmunity-r1', device: 'r1' }, 'keys auth-key-r2 and priv-key-r2 refused');
    expect(sink.lines()).toMatchObject([{ community: '[redacted]', device: 'r1', msg: 'keys [redacted] and [redacted] refused' }]);
    for (const secret of ['c0mmunity-r1', 'auth-key-r2', 'priv-key-r2']) expect(sink.text()).not.toContain(secret);
  });

  it('poll: the InfluxDB password of the config too', () => {
    const sink = logSink();
    pollLogger(config('http://lanewatch:p%40ss%20w0rd@127.0.0.1:8086'), 'debug', sink.stream).debug('influx at p@ss w0rd');
    expect(sink.lines()).toMatchObject([{ component: 'poll', msg: 'influx at [redacted]' }]);
  });
});

describe('redactText', () => {
  it.each([
    ['a secret anywhere', 'pw=hunter22!', ['hunter22'], 'pw=[redacted]!'],
    ['every occurrence', 'hunter22 and hunter22', ['hunter22'], '[redacted] and [redacted]'],
    ['the longest secret first', 'url https://u:hunter22@h/x', ['hunter22', 'https://u:hunter22@h/x'], 'url [redacted]'],
    ['overlapping secrets as one', 'abcdefgh!', ['abcdef', 'defgh'], '[redacted]!'],
    ['touching secrets as one', 'abcdwxyz!', ['abcd', 'wxyz'], '[redacted]!'],
    ['a secret repeated within itself', 'aaaaa.', ['aaaa'], '[redacted].'],
    ['regex characters taken literally', 'a.b*c+d? and axbxxcd', ['a.b*c+d?'], '[redacted] and axbxxcd'],
    ['secrets shorter than 4 characters ignored', 'the password is abc', ['abc', ''], 'the password is abc'],
    ['a secret of exactly 4 characters', 'pin 1234.', ['1234'], 'pin [redacted].'],
    ['no secrets', 'nothing to hide', [], 'nothing to hide'],
  ])('replaces %s', (_what, text, secrets, expected) => {
    expect(redactText(text, secrets)).toBe(expected);
  });

  it('leaves none of a config’s secrets in a line that holds them all', () => {
    const secrets = secretValues(config('http://lanewatch:p%40ss%20w0rd@influx.example.org:8086'));
    const line = `${secrets.join(' | ')} http://lanewatch:p%40ss%20w0rd@influx.example.org:8086/write`;
    const redacted = redactText(line, secrets);
    for (const secret of secrets) expect(redacted).not.toContain(secret);
    expect(redacted).toContain('http://lanewatch:[redacted]@influx.example.org:8086/write');
  });
});

describe('redactUrl', () => {
  it.each([
    ['http://user:pass@influx.example.org:8086/base?db=x', 'http://influx.example.org:8086/base?db=x'],
    ['https://user@hooks.example.org/x', 'https://hooks.example.org/x'],
    ['http://:pass@127.0.0.1:8086', 'http://127.0.0.1:8086/'],
    ['http://127.0.0.1:8086', 'http://127.0.0.1:8086'],
    ['http://[::1]:8086/p', 'http://[::1]:8086/p'],
    ['http://us%40er:p%3Ass@[::1]:8086/p', 'http://[::1]:8086/p'],
    // Unparsable: everything between `//` and the authority's last `@` goes.
    ['http://user:p@ss@bad host:99/x', 'http://bad host:99/x'],
    ['not a url', 'not a url'],
  ])('%s → %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
