// Sends alert notifications: webhooks (JSON POST) and e-mail over SMTP (nodemailer). A
// bounded queue with a few deliveries in flight; failures are retried with exponential
// backoff on timers, so a slow or failing receiver never blocks the caller. Each delivery
// reports its attempts and outcome to the caller (AlertBook records them in the episode).
// Neither the delivery key, nor a log line, nor a reported error holds the target: a webhook
// URL carries a token and an e-mail address is personal data (logs show them masked).
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { Logger } from 'pino';
import type { Contacts, Settings } from '../../config/schema.ts';
import { redactText, webhookSecrets } from '../../config/secrets.ts';
import type { NotificationPayload, NotificationRecord } from '../alerts/model.ts';
import { maskTarget } from '../alerts/mask.ts';
import { backoffDelayMs, mayRetry } from '../../config/backoff.ts';
import { deliveryKey } from './delivery-key.ts';
import { composeEmail } from './email-message.ts';

export type Channel = NotificationRecord['channel'];

export interface DeliveryTarget {
  channel: Channel;
  target: string;
}

export type DeliveryOutcome =
  /** An attempt starts (`attempts` counts it). */
  | { type: 'attempt'; attempts: number; atMs: number }
  | { type: 'delivered'; attempts: number; atMs: number }
  /** `final`: no attempt is left; otherwise another one is scheduled. */
  | { type: 'failed'; attempts: number; atMs: number; error: string; final: boolean };

export interface DeliveryJob {
  channel: Channel;
  target: string;
  /** What is sent; its `deliveryId` is replaced by the opaque `deliveryKey` of this job. */
  payload: NotificationPayload;
  /** Attempts already made before this job was queued (a delivery resumed after a restart). */
  attemptsBefore: number;
  /** Called for each attempt and outcome; must not throw. */
  report: (outcome: DeliveryOutcome) => void;
}

export interface NotifierOptions {
  notify: Settings['notify'];
  /** The caller names the component (`log.child({ component })`); the notifier adds none. */
  log: Logger;
  /** Province id → display name for e-mail (the id when absent). */
  provinceName?: (province: string) => string;
  now?: () => number;
}

interface PendingJob extends DeliveryJob {
  /** `deliveryKey(episode, kind, channel, target)`: the idempotency key, safe to log. */
  key: string;
  /** The target masked for log lines. */
  to: string;
  attempts: number;
}

export class Notifier {
  readonly #notify: Settings['notify'];
  readonly #log: Logger;
  readonly #provinceName: (province: string) => string;
  readonly #now: () => number;
  readonly #maxPending: number;
  readonly #concurrency: number;
  readonly #retry: Settings['notify']['retry'];
  readonly #abort = new AbortController();
  /** Keys of every job queued, in flight or waiting to retry: the same notification is never held twice. */
  readonly #pending = new Map<string, PendingJob>();
  readonly #queue: PendingJob[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  readonly #retryTimers = new Set<NodeJS.Timeout>();
  #transport: Transporter<SMTPTransport.SentMessageInfo> | undefined;
  #smtpMissingLogged = false;
  #stopped = false;

  constructor(options: NotifierOptions) {
    this.#notify = options.notify;
    this.#log = options.log;
    this.#provinceName = options.provinceName ?? ((id) => id);
    this.#now = options.now ?? Date.now;
    this.#maxPending = options.notify.maxPending;
    this.#concurrency = options.notify.concurrency;
    this.#retry = options.notify.retry;
  }

  /** Where a province's alerts go; e-mail contacts are skipped (logged once) without SMTP settings. */
  targets(contacts: Contacts | undefined): DeliveryTarget[] {
    if (contacts === undefined) return [];
    const out: DeliveryTarget[] = contacts.webhook.map((target) => ({ channel: 'webhook', target }));
    if (contacts.email.length > 0) {
      if (this.#notify.smtp === undefined) {
        if (!this.#smtpMissingLogged) {
          this.#smtpMissingLogged = true;
          this.#log.warn('no smtp settings (notify.smtp), e-mail contacts are skipped');
        }
      } else {
        for (const target of contacts.email) out.push({ channel: 'email', target });
      }
    }
    return out;
  }

  /** Jobs queued, in flight or waiting to retry. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /**
   * Queues a delivery. True when it is queued or already held (same episode, kind, channel
   * and target); false when the queue is full or the notifier stopped (the caller keeps it
   * pending and offers it again later).
   */
  enqueue(job: DeliveryJob): boolean {
    const key = deliveryKey(job.payload.episode.id, job.payload.kind, job.channel, job.target);
    if (this.#pending.has(key)) return true;
    if (this.#stopped || this.#pending.size >= this.#maxPending) return false;
    const pending: PendingJob = {
      ...job,
      payload: { ...job.payload, deliveryId: key },
      key,
      to: maskTarget(job.channel, job.target),
      attempts: job.attemptsBefore,
    };
    this.#pending.set(key, pending);
    this.#queue.push(pending);
    this.#pump();
    return true;
  }

  /** Cancels retries and aborts deliveries in flight (they stay pending for the next start); closes SMTP. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const timer of this.#retryTimers) clearTimeout(timer);
    this.#retryTimers.clear();
    this.#queue.length = 0;
    this.#abort.abort(new Error('notifier stopped'));
    await Promise.allSettled([...this.#inFlight]);
    this.#pending.clear();
    this.#transport?.close();
    this.#transport = undefined;
  }

  #pump(): void {
    while (!this.#stopped && this.#inFlight.size < this.#concurrency) {
      const job = this.#queue.shift();
      if (job === undefined) return;
      const running = this.#attempt(job).catch((err: unknown) => {
        this.#log.error({ err, delivery: job.key, channel: job.channel, to: job.to }, 'notification attempt failed unexpectedly');
      });
      this.#inFlight.add(running);
      void running.finally(() => {
        this.#inFlight.delete(running);
        this.#pump();
      });
    }
  }

  #report(job: PendingJob, outcome: DeliveryOutcome): void {
    try {
      job.report(outcome);
    } catch (err) {
      this.#log.error({ err, delivery: job.key, channel: job.channel, to: job.to }, 'notification report failed');
    }
  }

  async #attempt(job: PendingJob): Promise<void> {
    job.attempts += 1;
    this.#report(job, { type: 'attempt', attempts: job.attempts, atMs: this.#now() });
    let error: string | undefined;
    try {
      if (job.channel === 'webhook') await this.#postWebhook(job);
      else await this.#sendEmail(job);
    } catch (err) {
      error = this.#scrub(job, err);
    }
    if (this.#stopped) {
      // Aborted by stop(): whatever happened, the record says so and it is resumed on the next start.
      if (error === undefined) this.#report(job, { type: 'delivered', attempts: job.attempts, atMs: this.#now() });
      else this.#report(job, { type: 'failed', attempts: job.attempts, atMs: this.#now(), error, final: false });
      return;
    }
    if (error === undefined) {
      this.#report(job, { type: 'delivered', attempts: job.attempts, atMs: this.#now() });
      this.#pending.delete(job.key);
      this.#log.info({ delivery: job.key, channel: job.channel, to: job.to, attempts: job.attempts }, 'notification delivered');
      return;
    }
    const final = !mayRetry(this.#retry, job.attempts);
    this.#report(job, { type: 'failed', attempts: job.attempts, atMs: this.#now(), error, final });
    if (final) {
      this.#pending.delete(job.key);
      this.#log.error({ delivery: job.key, channel: job.channel, to: job.to, attempts: job.attempts, error }, 'notification given up');
      return;
    }
    const delayMs = backoffDelayMs(this.#retry, job.attempts);
    this.#log.warn({ delivery: job.key, channel: job.channel, to: job.to, attempts: job.attempts, error, retryInMs: delayMs }, 'notification failed, will retry');
    const timer = setTimeout(() => {
      this.#retryTimers.delete(timer);
      if (this.#stopped) return;
      this.#queue.push(job);
      this.#pump();
    }, delayMs);
    this.#retryTimers.add(timer);
  }

  /**
   * An attempt's error as the record and the logs keep it: its message with the target (a
   * webhook URL in any of its forms, an e-mail address a relay quotes back) and the SMTP
   * password replaced by `[redacted]`.
   */
  #scrub(job: PendingJob, err: unknown): string {
    const message = err instanceof Error ? err.message : String(err);
    const secrets = job.channel === 'webhook' ? webhookSecrets(job.target) : [job.target];
    const smtpPassword = this.#notify.smtp?.password;
    if (smtpPassword !== undefined) secrets.push(smtpPassword);
    return redactText(message, secrets);
  }

  async #postWebhook(job: PendingJob): Promise<void> {
    const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#notify.webhookTimeoutMs)]);
    const response = await fetch(job.target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'lanewatch',
        'idempotency-key': job.key,
      },
      body: JSON.stringify(job.payload),
      signal,
      redirect: 'error',
    });
    await response.body?.cancel().catch(() => undefined);
    if (response.status < 200 || response.status >= 300) throw new Error(`webhook answered http ${response.status}`);
  }

  #smtpTransport(): Transporter<SMTPTransport.SentMessageInfo> {
    const smtp = this.#notify.smtp;
    if (smtp === undefined) throw new Error('no smtp settings');
    if (this.#transport === undefined) {
      const timeoutMs = Math.max(this.#notify.webhookTimeoutMs, 10_000);
      this.#transport = nodemailer.createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
        ...(smtp.username !== undefined ? { auth: { user: smtp.username, pass: smtp.password ?? '' } } : {}),
      });
    }
    return this.#transport;
  }

  async #sendEmail(job: PendingJob): Promise<void> {
    const smtp = this.#notify.smtp;
    if (smtp === undefined) throw new Error('no smtp settings');
    const content = composeEmail(job.payload, this.#provinceName(job.payload.episode.province));
    await this.#smtpTransport().sendMail({
      from: smtp.from,
      to: job.target,
      subject: content.subject,
      text: content.text,
      messageId: content.messageId,
      headers: { 'X-Lanewatch-Delivery': job.key },
    });
  }
}
