// The policy editor's one shared state: the current revision (its number is the If-Match of
// every save and rollback), the draft as JSON text and its parse, the server's validation of
// it (problems at their lines, and the diff against the current revision), whether it is
// dirty, the revision history, and the actions: edit, discard, add a reservation, save,
// roll back. The editor, override form, diff, history, effective-policy and backtest
// components all read and act through one PolicyDraft; none keeps a copy of the document.
import {
  ApiError,
  fetchPolicies,
  fetchPolicyHistory,
  rollbackPolicy,
  savePolicy,
  validatePolicy,
  type CurrentPolicy,
  type PolicyChange,
  type PolicyHistoryEntry,
  type PolicyValidation,
} from './api.ts';
import type { MessageKey } from './i18n.ts';
import {
  documentPath,
  lineOfPath,
  parsePolicyText,
  pathLines,
  policyText,
  withReservation,
  type AmountUnit,
  type OverrideScope,
} from './policy-edit.ts';

/**
 * A problem shown in the editor: at its line when the text has its path; `json` when the text
 * does not parse. A server's problem says its `code` and `params` (lib/messages.ts words them).
 */
export interface DraftProblem {
  path: string;
  code?: string | undefined;
  params?: Readonly<Record<string, string | number>>;
  /** The server's English message, or the browser's word on the JSON. */
  message: string;
  otherLinks?: number | undefined;
  line: number | null;
  json?: true;
}

/** What the last save or rollback did, shown in the current language. */
export interface DraftNotice {
  key: MessageKey;
  params: Record<string, number>;
}

export interface PolicyDraftDependencies {
  /** Whether the signed-in user may save and roll back (read again on every action). */
  editable: () => boolean;
  /** How long after the last keystroke the server checks the draft (default 350 ms). */
  validateDelayMs?: number;
  fetchPolicies?: typeof fetchPolicies;
  fetchPolicyHistory?: typeof fetchPolicyHistory;
  validatePolicy?: typeof validatePolicy;
  savePolicy?: typeof savePolicy;
  rollbackPolicy?: typeof rollbackPolicy;
}

/** The `currentRevision` a 409 answer carries, when it does. */
function conflictRevisionOf(error: ApiError): number | null {
  const body = error.body;
  if (typeof body !== 'object' || body === null) return null;
  const value = (body as Record<string, unknown>)['currentRevision'];
  return typeof value === 'number' ? value : null;
}

export class PolicyDraft {
  /** The revision in force; null until loaded. */
  current: CurrentPolicy | null = $state.raw(null);
  /** Why loading failed, while it did (errors are worded in the current language when shown). */
  loadError: unknown = $state.raw(null);
  /** The draft as the editor holds it. */
  text = $state('');
  /** The server's answer about `validatedText` (a newer text is being checked when they differ). */
  validation: PolicyValidation | null = $state.raw(null);
  validatedText: string | null = $state(null);
  validateError: unknown = $state.raw(null);
  comment = $state('');
  saving = $state(false);
  /** Why the last save or rollback failed (not a conflict nor a problem at a path). */
  saveError: unknown = $state.raw(null);
  /** A 400 of the last save, at its path. */
  saveProblem: Omit<DraftProblem, 'line'> | null = $state.raw(null);
  notice: DraftNotice | null = $state.raw(null);
  /** Set when a save or rollback met a newer revision: the edits stay, a reload is offered. */
  conflictRevision: number | null = $state(null);
  history: PolicyHistoryEntry[] = $state.raw([]);
  historyError: unknown = $state.raw(null);

  readonly parsed = $derived(parsePolicyText(this.text));
  /** Where each dotted path sits in the text. */
  readonly lines = $derived(pathLines(this.text));
  readonly lineCount = $derived(this.text.split('\n').length);
  readonly dirty = $derived(this.current !== null && this.text !== policyText(this.current.document));
  /** The validation is about the text as it is now. */
  readonly upToDate = $derived(this.validatedText === this.text && this.validation !== null);
  readonly problems: DraftProblem[] = $derived.by(() => {
    const parsed = this.parsed;
    if (!parsed.ok) return [{ path: '', message: parsed.message, line: parsed.line, json: true }];
    const list: DraftProblem[] = [];
    if (this.upToDate && this.validation !== null) {
      for (const problem of this.validation.problems) list.push({ ...problem, line: lineOfPath(this.lines, problem.path) });
    }
    if (this.saveProblem !== null) list.push({ ...this.saveProblem, line: lineOfPath(this.lines, this.saveProblem.path) });
    return list;
  });
  readonly problemLines: ReadonlySet<number> = $derived(new Set(this.problems.flatMap((problem) => (problem.line === null ? [] : [problem.line]))));
  /** The diff against the current revision, once the server has checked this text. */
  readonly changes: PolicyChange[] = $derived(this.upToDate && this.validation !== null ? this.validation.changes : []);
  /** The draft parses and the server found no problem in this very text. */
  readonly valid = $derived(this.parsed.ok && this.upToDate && this.validation?.ok === true);
  readonly canSave = $derived(this.editable && this.current !== null && this.valid && this.changes.length > 0 && !this.saving);

  readonly #deps: Required<Omit<PolicyDraftDependencies, 'editable'>>;
  readonly #editable: () => boolean;

  constructor(dependencies: PolicyDraftDependencies) {
    this.#editable = dependencies.editable;
    this.#deps = {
      validateDelayMs: dependencies.validateDelayMs ?? 350,
      fetchPolicies: dependencies.fetchPolicies ?? fetchPolicies,
      fetchPolicyHistory: dependencies.fetchPolicyHistory ?? fetchPolicyHistory,
      validatePolicy: dependencies.validatePolicy ?? validatePolicy,
      savePolicy: dependencies.savePolicy ?? savePolicy,
      rollbackPolicy: dependencies.rollbackPolicy ?? rollbackPolicy,
    };
  }

  get editable(): boolean {
    return this.#editable();
  }

  /** The If-Match of the next save or rollback: the revision the draft is based on. */
  get revision(): number | null {
    return this.current?.revision ?? null;
  }

  /** The draft's document, when the text parses. */
  get document(): Record<string, unknown> | null {
    const parsed = this.parsed;
    return parsed.ok ? parsed.document : null;
  }

  /** A new current revision: the editor shows it, and its diff is checked again against it. */
  #setCurrent(policy: CurrentPolicy): void {
    this.current = policy;
    this.text = policyText(policy.document);
    this.validation = null;
    this.validatedText = null;
  }

  /** Loads the current revision and the history together (the page never shows one without the other). */
  async load(): Promise<void> {
    const [current, history] = await Promise.allSettled([this.#deps.fetchPolicies(), this.#deps.fetchPolicyHistory()]);
    if (history.status === 'fulfilled') {
      this.history = history.value;
      this.historyError = null;
    } else {
      this.historyError = history.reason ?? new Error('history not loaded');
    }
    if (current.status === 'fulfilled') {
      this.#setCurrent(current.value);
      this.loadError = null;
    } else {
      this.loadError = current.reason ?? new Error('policy not loaded');
    }
  }

  async loadCurrent(): Promise<void> {
    try {
      this.#setCurrent(await this.#deps.fetchPolicies());
      this.loadError = null;
      this.conflictRevision = null;
      this.saveProblem = null;
    } catch (error) {
      this.loadError = error ?? new Error('policy not loaded');
    }
  }

  async loadHistory(): Promise<void> {
    try {
      this.history = await this.#deps.fetchPolicyHistory();
      this.historyError = null;
    } catch (error) {
      this.historyError = error ?? new Error('history not loaded');
    }
  }

  /**
   * Inline validation: a while after the last change of the text, the server checks the draft
   * and says what would change. Call inside an `$effect` (it reads the text and re-runs on
   * each change); returns the cleanup that cancels a pending check.
   */
  scheduleValidation(): (() => void) | undefined {
    const checking = this.text;
    const parsed = parsePolicyText(checking);
    if (!this.editable || !parsed.ok || this.current === null) return undefined;
    const abort = new AbortController();
    const timer = setTimeout(() => {
      this.#deps.validatePolicy(parsed.document, abort.signal).then(
        (answer) => {
          this.validation = answer;
          this.validatedText = checking;
          this.validateError = null;
        },
        (error: unknown) => {
          if (!abort.signal.aborted) this.validateError = error ?? new Error('draft not checked');
        },
      );
    }, this.#deps.validateDelayMs);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }

  /** The text after an edit in the editor (or any change of the draft). */
  edit(text: string): void {
    this.text = text;
    this.saveProblem = null;
    this.saveError = null;
    this.notice = null;
  }

  /** Back to the current revision's document. */
  discard(): void {
    if (this.current !== null) this.edit(policyText(this.current.document));
  }

  /** Sets `scope.id.reservations.class` in the draft (the override form). */
  addReservation(request: { scope: OverrideScope; id: string; serviceClass: 'docex' | 'video'; unit: AmountUnit; value: number }): void {
    const parsed = this.parsed;
    if (!parsed.ok || request.id === '' || !Number.isFinite(request.value)) return;
    this.edit(policyText(withReservation(parsed.document, request)));
  }

  /** Saves the draft as a new revision, If-Match the current one. */
  async save(): Promise<void> {
    const parsed = this.parsed;
    const current = this.current;
    if (!this.editable || current === null || !parsed.ok) return;
    this.saving = true;
    this.saveError = null;
    this.saveProblem = null;
    try {
      const saved = await this.#deps.savePolicy({ document: parsed.document, comment: this.comment, revision: current.revision });
      this.#setCurrent({ revision: saved.revision, document: saved.document });
      this.comment = '';
      this.notice = { key: 'policies.saved', params: { revision: saved.revision } };
      void this.loadHistory();
    } catch (error) {
      this.#writeFailed(error);
    } finally {
      this.saving = false;
    }
  }

  /** Restores an earlier revision as a new one, If-Match the current one. */
  async rollback(revision: number): Promise<void> {
    const current = this.current;
    if (!this.editable || current === null) return;
    this.saving = true;
    this.saveError = null;
    try {
      await this.#deps.rollbackPolicy({ revision, currentRevision: current.revision });
      await this.loadCurrent();
      await this.loadHistory();
      this.notice = { key: 'policies.rolledBack', params: { from: revision, revision: this.current?.revision ?? 0 } };
    } catch (error) {
      this.#writeFailed(error);
    } finally {
      this.saving = false;
    }
  }

  #writeFailed(error: unknown): void {
    if (error instanceof ApiError && error.status === 409) {
      this.conflictRevision = conflictRevisionOf(error) ?? (this.current?.revision ?? 0) + 1;
      void this.loadHistory();
      return;
    }
    if (error instanceof ApiError && error.status === 400 && error.field !== undefined) {
      this.saveProblem = { path: documentPath(error.field), ...error.said };
      return;
    }
    this.saveError = error ?? new Error('not saved');
  }
}
