// The key of one notification: the same on every attempt and across restarts, so a receiver
// can drop a repeat (`idempotency-key` header, `deliveryId` in the body, the e-mail
// Message-ID), and opaque: it names the episode, the kind and the channel, never the target
// (a webhook URL carries a token, an e-mail address is personal data). Pure.
import { createHash } from 'node:crypto';
import type { NotificationKind, NotificationRecord } from '../alerts/model.ts';

/** Hex characters of the target's digest kept: 64 bits, ample among one episode's targets. */
const digestChars = 16;

/**
 * `<episode id>:<kind>:<channel>:<16 hex>`, the hex a SHA-256 prefix over all four (so the same
 * target hashes differently in each episode). A hash cannot be read back; someone who already
 * knows an address and the episode could confirm it was notified, nothing more.
 */
export function deliveryKey(episodeId: string, kind: NotificationKind, channel: NotificationRecord['channel'], target: string): string {
  const digest = createHash('sha256').update([episodeId, kind, channel, target].join('\0')).digest('hex').slice(0, digestChars);
  return `${episodeId}:${kind}:${channel}:${digest}`;
}
