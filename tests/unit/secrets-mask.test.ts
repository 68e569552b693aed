import { describe, expect, it } from 'vitest';
import { maskTarget } from '../../server/alerts/mask.ts';

describe('maskTarget', () => {
  it.each([
    ['webhook', 'https://hooks.example.org/services/T0/B0/XyZtOkEn1234567890', 'https://hooks.example.org/…'],
    ['webhook', 'https://hooks.example.org/?token=abc', 'https://hooks.example.org/…'],
    ['webhook', 'https://hooks.example.org', 'https://hooks.example.org/…'],
    ['webhook', 'http://user:secret@127.0.0.1:8080/hook#frag', 'http://127.0.0.1:8080/…'],
    ['webhook', 'http://[::1]:9000/h', 'http://[::1]:9000/…'],
    ['webhook', 'HTTPS://Hooks.Example.ORG/x', 'https://hooks.example.org/…'],
    ['webhook', 'not a url', '…'],
    ['email', 'noc@hue.gov.vn', 'n***@hue.gov.vn'],
    ['email', 'n@hue.gov.vn', 'n***@hue.gov.vn'],
    ['email', 'đội.trực@sở.vn', 'đ***@sở.vn'],
    ['email', '"a@b"@example.org', '"***@example.org'],
    ['email', '@example.org', '***@example.org'],
    ['email', 'nobody', '***'],
  ] as const)('%s %s → %s', (channel, target, masked) => {
    expect(maskTarget(channel, target)).toBe(masked);
  });

  it('never shows a path, query, user or the local part beyond its first character', () => {
    const webhook = maskTarget('webhook', 'https://u:p@hooks.example.org/services/SECRET?token=SECRET');
    expect(webhook).not.toMatch(/SECRET|u:p|services/);
    expect(maskTarget('email', 'le.thi.c@hue.gov.vn')).not.toContain('le.thi');
  });
});
