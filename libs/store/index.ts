export { Store, createStore, type StoreOptions } from './store.js';
export { createPrismaClient, type PrismaClient } from './client.js';
export { migrate, readMigrations, ensureDatabase, DEFAULT_MIGRATIONS_DIR, type MigrateResult, type MigrationFile } from './migrate.js';
export { VideoRepository, VIDEO_STATUSES, videoWhere, type TenantScope, type VideoStatus, type VideoRecord, type NewVideo, type Page } from './videos.js';
export {
  FaceRepository,
  faceCursor,
  decodeFaceCursor,
  isAfter,
  type StoredFace,
  type StoredFingerprint,
  type StoredDescriptor,
  type NewFace,
} from './faces.js';
export type { FaceUpload, BatchProgress } from './store.js';
export { LinkageRepository, type StoredLinkage, type StoredLinkageKey } from './linkages.js';
export { SegmentRepository, type SegmentSpan, type SegmentRecord } from './segments.js';
export { DeliveryRepository, type DeliveryAttempt, type DeliveryRecord } from './deliveries.js';
export {
  ApiKeyRepository,
  generateApiKey,
  hashApiKey,
  looksLikeApiKey,
  API_KEY_PREFIX,
  API_KEY_SHOWN_CHARS,
  LAST_USED_RESOLUTION_MS,
  type TenantRecord,
  type ApiKeyInfo,
  type CreatedApiKey,
  type KeyOwner,
} from './api-keys.js';
export { FileStorage } from './files.js';
export { isDatabaseUnavailable, databaseUnavailableMessage } from './unavailable.js';
export { constraintViolation, isWriteConflict, type ConstraintViolation } from './constraint.js';
export { float32ToBytes, bytesToFloat32, float64ToBytes, bytesToFloat64 } from './vectors.js';
export { encodeCursor, decodeCursor } from './cursor.js';
export {
  PersonRepository,
  type PersonRecord,
  type FaceRef,
  type PersonEventRecord,
  type NewPersonEvent,
  type VideoPersonConstraints,
  type PersonDescriptors,
} from './people.js';
