// Reading back what the server wrote itself (users, sessions, policy revisions, the alert state,
// the audit log): a file cut short by a crash or broken by hand is refused with a reason to log
// or show, never thrown from JSON.parse as a bare SyntaxError.
import type { z } from 'zod';

/** The value of a stored JSON text as `schema` reads it, or why it is unusable. Pure. */
export function parseStoredJson<T>(text: string, schema: z.ZodType<T>): { data: T } | { reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text) as unknown;
  } catch {
    return { reason: 'not complete JSON' };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { data: parsed.data };
  const issue = parsed.error.issues[0];
  return { reason: issue === undefined ? 'invalid' : `${issue.path.join('.') || '(root)'}: ${issue.message}` };
}
