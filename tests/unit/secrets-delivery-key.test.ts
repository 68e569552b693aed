import { describe, expect, it } from 'vitest';
import { deliveryKey } from '../../server/notify/delivery-key.ts';

const hook = 'https://hooks.example.org/services/T0/B0/XyZtOkEn1234567890';
const key = deliveryKey('t1-hue.down.1700000000000', 'raise', 'webhook', hook);

describe('deliveryKey', () => {
  it('names the episode, kind and channel, and a digest instead of the target', () => {
    expect(key).toMatch(/^t1-hue\.down\.1700000000000:raise:webhook:[0-9a-f]{16}$/);
    expect(key).not.toContain('hooks.example.org');
    expect(deliveryKey('ep', 'raise', 'email', 'noc@hue.gov.vn')).not.toMatch(/noc|hue\.gov/);
  });

  it('is the same on every call (retries, restarts)', () => {
    expect(deliveryKey('t1-hue.down.1700000000000', 'raise', 'webhook', hook)).toBe(key);
  });

  it.each([
    ['episode', ['t1-hue.down.1700000000001', 'raise', 'webhook', hook]],
    ['kind', ['t1-hue.down.1700000000000', 'resolve', 'webhook', hook]],
    ['channel', ['t1-hue.down.1700000000000', 'raise', 'email', hook]],
    ['target', ['t1-hue.down.1700000000000', 'raise', 'webhook', `${hook}x`]],
  ] as const)('differs with the %s', (_what, [episode, kind, channel, target]) => {
    expect(deliveryKey(episode, kind, channel, target)).not.toBe(key);
  });

  it('the same target hashes differently in another episode', () => {
    const digest = (episode: string): string => deliveryKey(episode, 'raise', 'webhook', hook).split(':').at(-1) ?? '';
    expect(digest('a')).not.toBe(digest('b'));
  });
});
