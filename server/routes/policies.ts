// Reservation policies over HTTP: GET/PUT policies (revisioned: ETag and If-Match, 428
// without it, 409 on a stale revision, 400 naming the field), validate (problems and the diff
// before saving), history (paged), rollback, the effective policy of a link, and the backtest
// of a draft against the current policy over past traffic. Who saved a revision is the
// signed-in user, never a name in the body.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { InfluxDB } from 'influx';
import type { Settings } from '../../config/schema.ts';
import type { RetentionDays } from '../../collector/store/rollups.ts';
import { said } from '../../api/messages.ts';
import { bucketSources, maxBacktestRangeMs, rangeProblem, runBacktest, seriesBuckets, type BacktestLink } from '../policies/backtest.ts';
import type { PolicyProblem } from '../policies/model.ts';
import type { ChangeOptions, PolicyStore, RollbackResult } from '../policies/store.ts';
import { validatePolicyDocument, type PolicyTopology } from '../policies/validate.ts';
import { readTimeParam } from '../history/time-param.ts';
import { principalOf } from '../auth/guard.ts';
import type { TopologyScope } from '../auth/scope.ts';
import type { AuditSink } from './auth.ts';
import { route } from './contract.ts';
import { errorBody, RequestFieldError, unknownNameError } from './errors.ts';

export interface PoliciesRoutesOptions {
  policies: PolicyStore;
  scope: TopologyScope;
  audit: AuditSink;
  /** What a backtest reads past traffic from, the links it replays, and its bounds. */
  backtest: {
    influx: InfluxDB;
    topology: PolicyTopology;
    limits: Settings['backtest'];
    /** How long InfluxDB keeps raw samples and rollups: which source holds a range. */
    retention: RetentionDays;
    /** Links replayed between two yields to the event loop (default 4). */
    yieldEveryLinks?: number;
    now?: () => number;
  };
}

/** `"12"` (or a bare 12) → 12; absent → 'missing'; anything else → 'invalid'. */
function parseIfMatch(header: string | undefined): number | 'missing' | 'invalid' {
  if (header === undefined || header.trim() === '') return 'missing';
  const match = /^\s*"?(\d{1,15})"?\s*$/.exec(header);
  if (!match) return 'invalid';
  return Number(match[1]);
}

function etagOf(revision: number): string {
  return `"${revision}"`;
}

function invalidBody(problems: readonly PolicyProblem[]) {
  const first = problems[0];
  const field = first ? `document${first.path ? `.${first.path}` : ''}` : 'document';
  const message = first
    ? `${field}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : ''}`
    : 'invalid document';
  return { ...errorBody(400, said('policy-invalid', { count: problems.length }), message, field), problems };
}

/** The revision an If-Match names, or the reply already sent (428/400). */
function requireIfMatch(header: string | undefined, reply: FastifyReply): number | undefined {
  const parsed = parseIfMatch(header);
  if (parsed === 'missing') {
    void reply
      .code(428)
      .send(
        errorBody(
          428,
          said('if-match-required', {}),
          'If-Match is required: the revision the change is based on, as GET /api/v1/policies gives it in ETag',
          'if-match',
        ),
      );
    return undefined;
  }
  if (parsed === 'invalid') {
    void reply.code(400).send(errorBody(400, said('if-match-invalid', {}), 'If-Match must be a revision, e.g. "12"', 'if-match'));
    return undefined;
  }
  return parsed;
}

function sendChangeResult(reply: FastifyReply, result: RollbackResult) {
  if (result.ok) {
    return reply.header('etag', etagOf(result.revision)).send({
      revision: result.revision,
      document: result.document,
      changes: result.changes,
      ...(result.unchanged === true ? { unchanged: true } : {}),
    });
  }
  if ('conflict' in result) {
    return reply.code(409).send({
      ...errorBody(
        409,
        said('policy-conflict', { currentRevision: result.currentRevision }),
        `the policy changed since (now revision ${result.currentRevision}): reload, reapply and save again`,
      ),
      currentRevision: result.currentRevision,
    });
  }
  if ('notFound' in result) {
    return reply.code(404).send(errorBody(404, said('revision-not-found', { revision: result.revision }), `no policy revision ${result.revision}`, 'revision'));
  }
  return reply.code(400).send(invalidBody(result.problems));
}

export async function policiesRoutes(app: FastifyInstance, options: PoliciesRoutesOptions): Promise<void> {
  const { policies, scope, audit } = options;

  route(app, 'policies', async (_request, reply) => {
    const { revision, document } = policies.current();
    return reply.header('etag', etagOf(revision)).send({ revision, document });
  });

  /**
   * A change made by the signed-in user on the revision If-Match names, recorded in the audit
   * log when it made a new revision.
   */
  async function change(
    request: FastifyRequest,
    reply: FastifyReply,
    comment: string | undefined,
    apply: (by: ChangeOptions) => Promise<RollbackResult>,
    audited: { action: 'policy-save' | 'policy-rollback'; details: (changes: number) => Record<string, unknown> },
  ): Promise<FastifyReply> {
    const principal = principalOf(request);
    const ifRevision = requireIfMatch(request.headers['if-match'], reply);
    if (ifRevision === undefined) return reply;
    const result = await apply({ author: principal.username, ifRevision, ...(comment !== undefined ? { comment } : {}) });
    if (result.ok && result.unchanged !== true) {
      const details = audited.details(result.changes.length);
      await audit.record({ actor: principal.username, address: request.ip, action: audited.action, target: String(result.revision), details });
    }
    return sendChangeResult(reply, result);
  }

  route(app, 'policiesPut', async (request, reply) => {
    const { document, comment } = request.body;
    return change(request, reply, comment, (by) => policies.update(document, by), {
      action: 'policy-save',
      details: (changes) => ({ changes, ...(comment !== undefined ? { comment } : {}) }),
    });
  });

  route(app, 'policiesValidate', async (request) => policies.validate(request.body.document));

  route(app, 'policiesHistory', async (request) => {
    const { beforeRevision, limit } = request.query;
    return policies.history({ limit, ...(beforeRevision !== undefined ? { beforeRevision } : {}) });
  });

  route(app, 'policiesRevision', async (request, reply) => {
    const found = await policies.revision(request.params.revision);
    if (found === undefined) {
      const { revision } = request.params;
      return reply.code(404).send(errorBody(404, said('revision-not-found', { revision }), `no policy revision ${revision}`, 'revision'));
    }
    return found;
  });

  route(app, 'policiesRollback', async (request, reply) => {
    const { revision, comment } = request.body;
    return change(request, reply, comment, (by) => policies.rollback(revision, by), { action: 'policy-rollback', details: () => ({ rollbackOf: revision }) });
  });

  const backtest = options.backtest;
  const backtestLinks: BacktestLink[] = backtest.topology.links.map((link) => ({
    id: link.id,
    province: link.province,
    tier: link.tier,
    ...(link.capacityBps !== undefined ? { capacityBps: link.capacityBps } : {}),
  }));
  const backtestLinksById = new Map(backtestLinks.map((link) => [link.id, link]));
  let backtestsRunning = 0;

  route(app, 'policiesBacktest', async (request, reply) => {
    const principal = principalOf(request);
    const { document, from, to, links } = request.body;
    const validated = validatePolicyDocument(document, backtest.topology);
    if (!validated.ok) return reply.code(400).send(invalidBody(validated.problems));
    const nowMs = (backtest.now ?? Date.now)();
    const fromTime = readTimeParam(from, nowMs);
    if (!fromTime.ok) throw new RequestFieldError('body', 'from', `${fromTime.reason} (got "${from}")`, said('invalid-time', { field: 'from', value: from }));
    const toTime = readTimeParam(to, nowMs);
    if (!toTime.ok) throw new RequestFieldError('body', 'to', `${toTime.reason} (got "${to}")`, said('invalid-time', { field: 'to', value: to }));
    const problem = rangeProblem(fromTime.atMs, toTime.atMs);
    if (problem !== undefined) {
      const what =
        fromTime.atMs >= toTime.atMs
          ? said('range-backwards', { field: 'from', from: new Date(fromTime.atMs).toISOString(), to: new Date(toTime.atMs).toISOString() })
          : said('range-too-long', { field: 'from', maxDays: maxBacktestRangeMs / 86_400_000 });
      throw new RequestFieldError('body', 'from', `and to ${problem}`, what);
    }
    const chosen = new Set<BacktestLink>();
    for (const [index, id] of (links ?? backtestLinks.map((link) => link.id)).entries()) {
      const link = backtestLinksById.get(id);
      if (link === undefined) {
        throw unknownNameError('link', id, 'body', `links.${index}`);
      }
      scope.requireLink(principal, id, `links.${index}`);
      chosen.add(link);
    }
    const work = seriesBuckets(chosen.size, fromTime.atMs, toTime.atMs);
    if (work > backtest.limits.maxSeriesBuckets) {
      throw new RequestFieldError(
        'body',
        'links',
        `and the range make ${work} link-direction 5-minute buckets, above the ${backtest.limits.maxSeriesBuckets} one backtest may replay ` +
          `(settings backtest.maxSeriesBuckets): choose fewer links or a shorter range`,
        said('backtest-too-large', { field: 'links', buckets: work, maximum: backtest.limits.maxSeriesBuckets }),
      );
    }
    if (backtestsRunning >= backtest.limits.maxConcurrent) {
      return reply
        .code(429)
        .header('retry-after', '5')
        .send(
          errorBody(
            429,
            said('backtests-busy', { running: backtestsRunning, maximum: backtest.limits.maxConcurrent }),
            `${backtestsRunning} backtests are running (at most ${backtest.limits.maxConcurrent} at once): try again in a few seconds`,
          ),
        );
    }
    // A client that goes away stops its backtest at the next chunk.
    const abort = new AbortController();
    const onClose = (): void => {
      if (!reply.raw.writableFinished) abort.abort(new Error('the client closed the request'));
    };
    reply.raw.once('close', onClose);
    backtestsRunning += 1;
    const startedAtMs = performance.now();
    try {
      const current = policies.current();
      const result = await runBacktest({
        influx: backtest.influx,
        links: [...chosen],
        current: current.document,
        draft: validated.document,
        fromMs: fromTime.atMs,
        toMs: toTime.atMs,
        sources: bucketSources(fromTime.atMs, toTime.atMs, nowMs, backtest.retention),
        limits: { ...backtest.limits, yieldEveryLinks: backtest.yieldEveryLinks ?? 4 },
        signal: abort.signal,
      });
      const elapsedMs = Math.round(performance.now() - startedAtMs);
      request.log.info(
        { links: result.links, series: result.series, buckets: result.buckets, current: result.current.counts.episodes, draft: result.draft.counts.episodes, elapsedMs },
        'policy backtest done',
      );
      return { ...result, current: { ...result.current, revision: current.revision }, elapsedMs };
    } finally {
      backtestsRunning -= 1;
      reply.raw.off('close', onClose);
    }
  });

  route(app, 'policiesEffective', async (request) => {
    const { link } = request.query;
    const effective = policies.effective(link);
    if (effective === undefined) {
      throw unknownNameError('link', link);
    }
    scope.requireLink(principalOf(request), link);
    return effective;
  });
}
