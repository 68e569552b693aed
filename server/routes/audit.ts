// GET /api/v1/audit (admins): who changed what, when and from where; newest first, paged.
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../auth/audit.ts';
import { route } from './contract.ts';

export interface AuditRoutesOptions {
  audit: Pick<AuditLog, 'page'>;
}

export async function auditRoutes(app: FastifyInstance, options: AuditRoutesOptions): Promise<void> {
  route(app, 'audit', async (request) => {
    const { beforeSeq, limit } = request.query;
    return options.audit.page({ limit, ...(beforeSeq !== undefined ? { beforeSeq } : {}) });
  });
}
