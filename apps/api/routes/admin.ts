import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError } from '../errors.js';
import { errors } from '../schemas/common.js';

const TenantErasure = Type.Object(
  {
    tenant: Type.String(),
    videos: Type.Integer({ description: 'Videos deleted' }),
    faces: Type.Integer({ description: 'Face rows deleted, each with its face and clothing vectors' }),
    files: Type.Integer({ description: 'Files removed from storage (uploads, thumbnails, body crops)' }),
    bytes: Type.Integer({ description: 'Bytes of those files' }),
    jobs: Type.Integer({ description: 'Queue jobs removed from Redis' }),
    api_keys: Type.Integer({ description: 'API keys deleted' }),
  },
  { title: 'TenantErasure' },
);

/** Operator routes: `Authorization: Bearer <ADMIN_TOKEN>` (plugins/auth.ts), never a tenant's key. */
export const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.delete(
    '/admin/tenants/:name',
    {
      schema: {
        tags: ['admin'],
        summary: 'Purge a tenant: every video with its faces, vectors, thumbnails and jobs, then its API keys and the tenant; answers what was removed',
        description:
          "Needs `Authorization: Bearer <ADMIN_TOKEN>` (the operator's token, set in the environment; with none set, admin routes refuse every request). Same as `keycast tenant delete NAME`.",
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100, description: 'Tenant name (as given to keycast apikey create --tenant)' }) }),
        response: { 200: TenantErasure, ...errors(400, 404, 500) },
      },
    },
    async (req) => {
      const report = await app.keycast.erasure.deleteTenant(req.params.name);
      if (!report) throw new ApiError('NOT_FOUND', `no tenant ${req.params.name}`);
      req.log.info({ ...report }, 'tenant purged');
      return report;
    },
  );
};
