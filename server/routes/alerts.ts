// GET /api/v1/alerts?state=&province= (newest first) and POST /api/v1/alerts/:id/ack. A
// province user sees and acknowledges its own province's alerts only; notification targets
// (webhook URLs carry tokens, e-mail addresses are personal) are whole for admins only.
import type { FastifyInstance } from 'fastify';
import type { AlertEpisode } from '../alerts/model.ts';
import type { EpisodeFilter } from '../alerts/episodes.ts';
import { maskTarget } from '../alerts/mask.ts';
import { principalOf } from '../auth/guard.ts';
import type { TopologyScope } from '../auth/scope.ts';
import type { Principal } from '../../api/access.ts';
import type { AuditSink } from './auth.ts';
import { route } from './contract.ts';
import { said } from '../../api/messages.ts';
import { errorBody, unknownNameError } from './errors.ts';

/** What the routes need from the AlertBook. */
export interface AlertsSource {
  list(filter: EpisodeFilter): AlertEpisode[];
  ack(id: string, by: string): Promise<AlertEpisode | 'not-found' | 'resolved'> | AlertEpisode | 'not-found' | 'resolved';
}

export interface AlertRoutesOptions {
  book: AlertsSource;
  /** Configured provinces: `province=` must name one. */
  provinceIds: ReadonlySet<string>;
  scope: TopologyScope;
  audit: AuditSink;
}

/** Pure: the episode as this principal may see it (targets masked for all but admins). */
function episodeFor(principal: Principal, episode: AlertEpisode): AlertEpisode {
  if (principal.role === 'admin') return episode;
  return { ...episode, notifications: episode.notifications.map((n) => ({ ...n, target: maskTarget(n.channel, n.target) })) };
}

export async function alertRoutes(app: FastifyInstance, options: AlertRoutesOptions): Promise<void> {
  const { book, scope } = options;

  route(app, 'alerts', async (request) => {
    const q = request.query;
    const principal = principalOf(request);
    if (q.province !== undefined && !options.provinceIds.has(q.province)) throw unknownNameError('province', q.province);
    if (q.province !== undefined) scope.requireProvince(principal, q.province);
    const filter: EpisodeFilter = {};
    if (q.state !== undefined) filter.state = q.state;
    if (q.province !== undefined) filter.province = q.province;
    const alerts = scope.filter(principal, book.list(filter)).map((episode) => episodeFor(principal, episode));
    return { alerts };
  });

  route(app, 'alertAck', async (request, reply) => {
    const principal = principalOf(request);
    const { id } = request.params;
    const episode = book.list({}).find((e) => e.id === id);
    // Another province's alert is answered as unknown: its existence is not this user's business.
    if (episode === undefined || !scope.seesProvince(principal, episode.province)) {
      return reply.status(404).send(errorBody(404, said('alert-not-found', { id }), `no alert "${id}"`));
    }
    let result: AlertEpisode | 'not-found' | 'resolved';
    try {
      result = await book.ack(id, principal.username);
    } catch (err) {
      // The acknowledgement could not be made durable (disk full, I/O error): nothing was promised.
      request.log.error({ err, alert: id }, 'acknowledgement not recorded');
      return reply.status(503).header('retry-after', '10').send(errorBody(503, said('ack-not-recorded', { id }), `the acknowledgement of "${id}" could not be recorded; try again`));
    }
    if (result === 'not-found') return reply.status(404).send(errorBody(404, said('alert-not-found', { id }), `no alert "${id}"`));
    if (result === 'resolved') return reply.status(409).send(errorBody(409, said('alert-resolved', { id }), `alert "${id}" is resolved`));
    await options.audit.record({ actor: principal.username, address: request.ip, action: 'alert-ack', target: id, details: { province: result.province, link: result.link } });
    return episodeFor(principal, result);
  });
}
