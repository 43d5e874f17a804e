import type { Static } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { FaceRef, TenantScope } from '../../libs/store/index.js';
import { ApiError } from './errors.js';
import type { FaceId } from './schemas/common.js';

/** A face id as the API shows it (schemas/common.ts FaceId: the face's public id). */
export type ApiFaceId = Static<typeof FaceId>;

/**
 * The API's face ids → the database's keys, within the caller's tenant: the one place routes map them.
 * An id of no face of the tenant (missing, another tenant's) is 404, worded as a missing face.
 */
export async function faceIdsIn(app: FastifyInstance, scope: TenantScope, ids: readonly ApiFaceId[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const found = new Map((await app.keycast.store.people.tenantFacesByPublicId(ids, scope)).map((f) => [f.publicId, f.id]));
  return ids.map((x) => {
    const id = found.get(x.toLowerCase());
    if (id === undefined) throw new ApiError('NOT_FOUND', `no face ${x}`);
    return id;
  });
}

/** A face as the API shows it. */
export function faceIdOut(f: Pick<FaceRef, 'publicId'>): ApiFaceId {
  return f.publicId;
}
