// How a notification target reads for someone who may see alerts but not their contacts:
// a webhook URL carries its token in the path or query, an e-mail address is personal data.
import type { NotificationRecord } from './model.ts';

/** Stands for what a mask hides. */
const ellipsis = '…';

/**
 * A target masked, pure: a webhook keeps its scheme and host (with a port when it has one),
 * `https://hooks.example.org/…`; an e-mail address keeps the first character of its local part
 * and its domain, `n***@hue.gov.vn`. Anything that does not parse shows nothing.
 */
export function maskTarget(channel: NotificationRecord['channel'], target: string): string {
  return channel === 'webhook' ? maskWebhook(target) : maskEmail(target);
}

function maskWebhook(target: string): string {
  try {
    const url = new URL(target);
    if (url.host === '') return ellipsis;
    return `${url.protocol}//${url.host}/${ellipsis}`;
  } catch {
    return ellipsis;
  }
}

function maskEmail(target: string): string {
  const at = target.lastIndexOf('@');
  if (at === -1) return '***';
  const first = Array.from(target.slice(0, at))[0] ?? '';
  return `${first}***@${target.slice(at + 1)}`;
}
