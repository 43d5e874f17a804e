import Type, { type Static } from 'typebox';
import { PERSON_ACTIONS } from '../../../libs/services/index.js';
import { Cursor, FaceId, FaceQuality } from './common.js';

export const PersonIdParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'Person id' }) });
export const PersonFaceParams = Type.Object({
  id: Type.String({ format: 'uuid', description: 'Person id' }),
  faceId: FaceId,
});

const PersonName = Type.String({ minLength: 1, maxLength: 200, description: 'What users call the person ("" or null: no name)' });
const FaceIds = (description: string, minItems = 0) => Type.Array(FaceId, { minItems, maxItems: 10_000, uniqueItems: true, description });

export const NewPersonBody = Type.Object(
  {
    name: Type.Optional(Type.Union([PersonName, Type.Null()])),
    faces: FaceIds('Faces confirmed as this person (any video of the tenant); each leaves any other person'),
    exclude: Type.Optional(FaceIds('Faces rejected for this person: with `faces`, how a split is said (the part and the rest)')),
  },
  { additionalProperties: false, title: 'NewPerson' },
);
export type NewPersonBody = Static<typeof NewPersonBody>;

export const RenamePersonBody = Type.Object(
  {
    name: Type.Union([PersonName, Type.Null()], { description: 'null removes the name' }),
  },
  { additionalProperties: false, title: 'RenamePerson' },
);
export type RenamePersonBody = Static<typeof RenamePersonBody>;

export const PersonFacesBody = Type.Object(
  {
    faces: FaceIds('Faces confirmed (moved) to this person', 1),
  },
  { additionalProperties: false, title: 'PersonFaces' },
);
export type PersonFacesBody = Static<typeof PersonFacesBody>;

export const MergePeopleBody = Type.Object(
  {
    people: Type.Array(Type.String({ format: 'uuid' }), {
      minItems: 1,
      maxItems: 100,
      uniqueItems: true,
      description: 'People merged into this one: their faces, rejections and history move here; they are gone',
    }),
  },
  { additionalProperties: false, title: 'MergePeople' },
);
export type MergePeopleBody = Static<typeof MergePeopleBody>;

export const PersonSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.Union([Type.String(), Type.Null()]),
    faces: Type.Array(FaceId, { description: 'Confirmed faces' }),
    rejected: Type.Array(FaceId, { description: 'Faces rejected from this person' }),
    videos: Type.Array(Type.Object({ id: Type.String({ format: 'uuid' }), faces: Type.Integer({ description: 'Confirmed faces in this video' }) }), {
      description: 'Videos holding confirmed faces',
    }),
    face_count: Type.Integer(),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
    links: Type.Object({ self: Type.String(), history: Type.String() }),
  },
  { $id: 'Person', title: 'Person' },
);
export type PersonBody = Static<typeof PersonSchema>;

export const PeopleListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);

export const PersonList = Type.Object(
  {
    items: Type.Array(Type.Ref('Person')),
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page; null on the last page' }),
  },
  { title: 'PersonList' },
);

export const PersonEventSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'Event id (random UUID; not sequential)' }),
    action: Type.Union(PERSON_ACTIONS.map((a) => Type.Literal(a))),
    key_id: Type.Union([Type.String(), Type.Null()], { description: 'The API key that made the edit' }),
    at: Type.String({ format: 'date-time' }),
    detail: Type.Record(Type.String(), Type.Unknown(), { description: 'What changed (face ids, names, people)' }),
  },
  { title: 'PersonEvent' },
);

export const PersonHistory = Type.Object(
  {
    items: Type.Array(PersonEventSchema),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'PersonHistory' },
);

export const HistoryQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);

/** `person` of a cluster in GET /videos/:id/clusters. */
export const ClusterPerson = Type.Union([Type.Object({ id: Type.String({ format: 'uuid' }), name: Type.Union([Type.String(), Type.Null()]) }), Type.Null()], {
  description: 'The person whose confirmed faces this cluster holds; null when none',
});

/** `suggestion` of a cluster in GET /videos/:id/clusters. */
export const ClusterSuggestion = Type.Union(
  [
    Type.Object({
      person: Type.Object({ id: Type.String({ format: 'uuid' }), name: Type.Union([Type.String(), Type.Null()]) }),
      score: Type.Number({
        description:
          "Mean similarity of the cluster's faces to the person's most similar confirmed face (cosine of unit face descriptors); at least quality.threshold",
      }),
      quality: FaceQuality,
    }),
    Type.Null(),
  ],
  {
    description:
      "For a cluster without a confirmed person: the tenant's person it most likely is, when the match passes the open-set recognition threshold (docs/QUALITY.md: a person never enrolled is almost never named), raised for a cluster of small faces (`quality`: face_px is the median height of its faces); else null, as for a cluster whose faces are too small to name (quality gate 'refused'). Accept it with POST /people/:id/faces and the cluster's faces.",
  },
);

export const PersonAppearances = Type.Object(
  {
    person: Type.Object({ id: Type.String({ format: 'uuid' }), name: Type.Union([Type.String(), Type.Null()]) }),
    videos: Type.Array(
      Type.Object({
        video_id: Type.String({ format: 'uuid' }),
        filename: Type.Union([Type.String(), Type.Null()]),
        duration_s: Type.Union([Type.Number(), Type.Null()]),
        basis: Type.Union([Type.Literal('cluster'), Type.Literal('confirmed')], {
          description:
            "cluster: the faces of the person's cluster at the video's default clustering (their confirmed faces and those clustered with them); confirmed: their confirmed faces only (the default linkage of a large video is not cached yet)",
        }),
        face_count: Type.Integer(),
        faces: Type.Array(FaceId),
        screen_time_s: Type.Number(),
        first_t: Type.Number({ description: 'First seen, seconds' }),
        last_t: Type.Number({ description: 'Last seen, seconds' }),
        segments: Type.Array(Type.Tuple([Type.Number(), Type.Number()]), { description: '[start_s, end_s] on screen' }),
      }),
      { description: 'Every ready video holding confirmed faces of the person, most screen time first' },
    ),
  },
  { title: 'PersonAppearances' },
);
