// Public face of libs/services: orchestration over the store's repositories and the flow, injected by
// the apps (API, worker). Repositories do I/O only; the rules live here and in libs/flow.
export { ClusterService, videoSampleInterval, type ClusterRun, type PendingLinkage } from './cluster.service.js';
export { firstPage, pageFaces, type FacePage } from './face-pages.js';
export { linkageEtaS } from './linkage-eta.js';
export { ErasureService, type ErasureReport, type TenantErasureReport } from './erasure.service.js';
export { ErasureBroadcast, ERASURE_CHANNEL, type Erased, type FaceMemory } from './erasure-broadcast.js';
export {
  PersonService,
  PERSON_ACTIONS,
  type Actor,
  type PersonAction,
  type PersonChange,
  type NewPersonInput,
  type PersonServiceOptions,
} from './person.service.js';
export { personWebhookNotifier } from './person-webhooks.js';
export { FaceLibrary, type FaceAppearance } from './face-library.service.js';
export { PeopleGalleries, type KnownPerson } from './people-gallery.service.js';
export { AppearanceService, type PersonAppearance } from './appearances.service.js';
export { QuestionService, type AskedQuestions, type ClusterSuggestionInput } from './questions.service.js';
