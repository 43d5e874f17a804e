import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiDeps } from './deps.js';
import { registerAuth } from './plugins/auth.js';
import { registerErrorHandling } from './plugins/error-handler.js';
import { registerQueryNumbers } from './plugins/query-numbers.js';
import { registerInputText, UUID_PATTERN } from './plugins/input-text.js';
import { registerJsonBody } from './plugins/json-body.js';
import { registerRequestLimits, serverLimits } from './plugins/limits.js';
import { registerRateLimit } from './plugins/rate-limit.js';
import { registerRequestId, requestIdOf } from './plugins/request-id.js';
import { registerSecurityHeaders } from './plugins/security-headers.js';
import { registerSwagger } from './plugins/swagger.js';
import { registerWebApp } from './plugins/web-app.js';
import { ErrorSchema } from './schemas/common.js';
import { ClusterSummarySchema, FaceItem, ResultFaceSchema } from './schemas/clusters.js';
import { QuestionSchema } from './schemas/questions.js';
import { ExtractOptionsSchema, FIELD_MAX_BYTES, VideoSchema } from './schemas/videos.js';
import { adminRoutes } from './routes/admin.js';
import { clusterRoutes } from './routes/clusters.js';
import { faceRoutes } from './routes/faces.js';
import { healthRoutes } from './routes/health.js';
import { peopleRoutes } from './routes/people.js';
import { questionRoutes } from './routes/questions.js';
import { PersonSchema } from './schemas/people.js';
import { mediaRoutes } from './routes/media.js';
import { searchRoutes } from './routes/search.js';
import { videoRoutes } from './routes/videos.js';

declare module 'fastify' {
  interface FastifyInstance {
    keycast: ApiDeps;
  }
}

export interface BuildAppOptions {
  logger?: FastifyServerOptions['logger'];
  /** The app's logger instead of one made from the config (tests read what it writes). */
  log?: FastifyBaseLogger;
}

/**
 * The API, ready to `listen` or `inject`: dependencies in, nothing started. The plugins are
 * registered in the order they depend on each other: shared schemas and the OpenAPI generator
 * before the routes whose schemas they document.
 */
export async function buildApp(deps: ApiDeps, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  // The deps' logger, typed as Fastify's base logger: the app's type (and every plugin's) stays FastifyInstance.
  const loggerInstance: FastifyBaseLogger = opts.log ?? deps.log;
  const app = Fastify({
    // The one structured logger (libs/logger), unless a test brings its own options.
    ...(opts.logger !== undefined ? { logger: opts.logger } : { loggerInstance }),
    // Query strings are coerced ("0.5" → 0.5); unknown query parameters are an error, not silently ignored.
    ajv: {
      customOptions: { coerceTypes: true, useDefaults: true, removeAdditional: false, allErrors: false },
      // After ajv-formats: a UUID is spelled one way (no urn:uuid: prefix, which PostgreSQL would refuse).
      onCreate: (ajv: { addFormat(name: string, format: RegExp): unknown }) => ajv.addFormat('uuid', UUID_PATTERN),
    },
    // X-Forwarded-For is believed only behind a proxy we are told of: it would otherwise pick the rate-limit bucket.
    trustProxy: deps.config.trustProxy,
    genReqId: requestIdOf,
    ...serverLimits(deps.config),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('keycast', deps);
  registerErrorHandling(app);
  registerJsonBody(app);
  registerInputText(app);
  registerQueryNumbers(app);
  // Before authentication, in this order: every answer (a 401 or 429 too) carries its request id and the security
  // headers; a CORS preflight is answered; limits are applied to anonymous floods as well.
  registerRequestId(app);
  await registerSecurityHeaders(app, deps.config);
  registerRequestLimits(app, deps.config);
  await registerRateLimit(app, deps.config);
  // Before every route: its onRoute hook marks the protected operations in the OpenAPI document.
  registerAuth(app);
  for (const s of [ErrorSchema, ExtractOptionsSchema, VideoSchema, ResultFaceSchema, ClusterSummarySchema, FaceItem, PersonSchema, QuestionSchema])
    app.addSchema(s);
  await registerSwagger(app);
  await app.register(multipart, {
    limits: { fileSize: deps.config.maxUploadBytes, files: 1, fields: 64, fieldSize: FIELD_MAX_BYTES, parts: 80 },
    throwFileSizeLimit: true,
  });

  await app.register(healthRoutes);
  await app.register(videoRoutes);
  await app.register(clusterRoutes);
  await app.register(faceRoutes);
  await app.register(adminRoutes);
  await app.register(peopleRoutes);
  await app.register(questionRoutes);
  await app.register(mediaRoutes);
  await app.register(searchRoutes);
  await registerWebApp(app);
  return app;
}
