// What the server says (an error body or a policy problem: `code`, `params`, English
// `message`; api/messages.ts) in the user's language: the text of `msg.<code>` in i18n.ts with
// its placeholders filled from the params. A code this UI does not know (a newer server), or
// params that do not fill its text, fall back to the server's English message. Pure.
import { isMessageCode, type MessageCode } from '../../../api/messages.ts';
import { roles, type Role } from '../../../api/access.ts';
import { formatDateTime, intlLocale, messages, type Locale, type MessageKey } from './i18n.ts';
import { ApiError } from './api.ts';

/** A message as the server sends it. */
export interface ServerMessage {
  code?: string | undefined;
  params?: Readonly<Record<string, string | number>> | undefined;
  message: string;
}

/** A policy problem as the server sends it (the same problem on `otherLinks` more links). */
export interface ServerProblem extends ServerMessage {
  path: string;
  otherLinks?: number | undefined;
}

/** The i18n key of a code: a code without a text in i18n.ts does not compile. */
export function messageKeyOf(code: MessageCode): MessageKey {
  return `msg.${code}`;
}

/** `{name}` placeholders of a text, in order. */
export function placeholdersOf(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '');
}

const roleKeys: Record<Role, MessageKey> = { viewer: 'role.viewer', province: 'role.province', engineer: 'role.engineer', admin: 'role.admin' };

/** Numbers that name things (a revision, an HTTP status): no digit grouping. */
const identifierParams = new Set(['revision', 'currentRevision', 'status']);
/** ISO 8601 instants the server sends for range bounds. */
const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** One parameter as the text shows it: numbers and times by Intl, a role by its name. */
export function formatParam(name: string, value: string | number, locale: Locale): string {
  if (typeof value === 'number') {
    return new Intl.NumberFormat(intlLocale[locale], { maximumFractionDigits: 3, useGrouping: !identifierParams.has(name) }).format(value);
  }
  if (name === 'role' && (roles as readonly string[]).includes(value)) return messages[locale][roleKeys[value as Role]];
  if ((name === 'from' || name === 'to') && isoInstant.test(value)) return formatDateTime(Date.parse(value), locale);
  return value;
}

/** The message in `locale`, or the server's English `message` when this UI cannot word it. */
export function localizeMessage(said: ServerMessage, locale: Locale): string {
  if (!isMessageCode(said.code)) return said.message;
  const params = said.params ?? {};
  const template = messages[locale][messageKeyOf(said.code)];
  let complete = true;
  const text = template.replace(/\{(\w+)\}/g, (_whole, name: string) => {
    const value = params[name];
    if (value === undefined) {
      complete = false;
      return '';
    }
    return formatParam(name, value, locale);
  });
  return complete ? text : said.message;
}

/** A policy problem in `locale`, with how many other links have it. */
export function localizeProblem(problem: ServerProblem, locale: Locale): string {
  const text = localizeMessage(problem, locale);
  const others = problem.otherLinks ?? 0;
  if (others === 0 || !isMessageCode(problem.code)) return text;
  const more =
    others === 1
      ? messages[locale]['msg.otherLinksOne']
      : messages[locale]['msg.otherLinks'].replace('{count}', formatParam('count', others, locale));
  return `${text} ${more}`;
}

/** Whether the problem's text already names its path (so the path need not be shown beside it). */
export function namesItsPath(problem: ServerProblem): boolean {
  if (!isMessageCode(problem.code) || problem.path === '') return false;
  return Object.values(problem.params ?? {}).some((value) => value === problem.path);
}

/**
 * Anything a load or an action failed with, for the user: a server's answer in `locale`; a
 * failure without one (the network, a reply that is no error body) as its own message.
 */
export function errorText(error: unknown, locale: Locale): string {
  if (error instanceof ApiError) return localizeMessage(error.said, locale);
  if (error instanceof Error) return error.message;
  return String(error);
}
