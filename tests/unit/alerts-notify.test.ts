import { describe, expect, it } from 'vitest';
import type { AlertLevel, NotificationPayload } from '../../server/alerts/model.ts';
import { composeEmail, formatVietnamTime } from '../../server/notify/email-message.ts';
import { notificationPayload } from '../helpers/alerts-fixture.ts';

/** 950 of 1000 Mbit/s, 100 Mbit/s into the 300 reserved, 1.25 % of docex dropped: said in every kind's mail. */
const payload = (kind: NotificationPayload['kind'], level: AlertLevel): NotificationPayload =>
  notificationPayload(kind, level, 'email:ops@hue.gov.vn', {
    conditions: { encroaching: true, busy: true, starved: false, dropsReported: true },
    totalBps: 950e6,
    encroachBps: 100e6,
    dropRatio: { docex: 0.0125 },
    policyRevision: 3,
  });

describe('composeEmail', () => {
  it.each([
    ['raise', 'warning', 'Cảnh báo', 'raised: warning'],
    ['raise', 'critical', 'NGHIÊM TRỌNG', 'raised: critical'],
    ['escalate', 'critical', 'NGHIÊM TRỌNG', 'escalated to critical'],
    ['resolve', 'critical', 'Đã trở lại bình thường', 'is back to ok'],
  ] as const)('%s (%s): Vietnamese subject and body with an English line', (kind, level, subjectWord, english) => {
    const mail = composeEmail(payload(kind, level), 'Huế');
    expect(mail.subject).toContain(subjectWord);
    expect(mail.subject).toContain('Huế');
    expect(mail.subject).toContain('t1-hue');
    expect(mail.text).toContain('Tỉnh/thành phố: Huế (hue)');
    expect(mail.text).toContain('Tổng lưu lượng: 950 Mbps / dung lượng 1000 Mbps (95.0%)');
    expect(mail.text).toContain('văn bản (docex) 1.25%');
    const englishLine = mail.text.split('\n').find((line) => line.startsWith('English:'));
    expect(englishLine).toContain(english);
    expect(englishLine).toContain('100 Mbps into 300 Mbps reserved');
  });

  it('the Message-ID is the same for the same notification and differs per kind', () => {
    expect(composeEmail(payload('raise', 'warning'), 'Huế').messageId).toBe(composeEmail(payload('raise', 'warning'), 'Huế').messageId);
    expect(composeEmail(payload('raise', 'warning'), 'Huế').messageId).not.toBe(composeEmail(payload('resolve', 'warning'), 'Huế').messageId);
    expect(composeEmail(payload('raise', 'warning'), 'Huế').messageId).toMatch(/^<[A-Za-z0-9._-]+@lanewatch\.invalid>$/);
  });
});

describe('formatVietnamTime', () => {
  it.each([
    [Date.UTC(2025, 0, 31, 17, 5, 9), '01/02/2025 00:05:09 (UTC+7)'],
    [Date.UTC(2025, 6, 1, 2, 0, 0), '01/07/2025 09:00:00 (UTC+7)'],
  ])('%i → %s', (atMs, text) => {
    expect(formatVietnamTime(atMs)).toBe(text);
  });
});
