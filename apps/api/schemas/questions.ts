import Type from 'typebox';
import { ClusterQueryProps } from './clusters.js';
import { FaceId, VideoIdParams } from './common.js';

/** Questions per page unless `limit` says, and the most one page holds. */
export const QUESTION_PAGE_DEFAULT = 10;
export const QUESTION_PAGE_MAX = 100;

/** The cut the questions are about (GET /videos/:id/clusters' parameters: the same clusters) and the page size. */
export const QuestionQuery = Type.Object(
  {
    ...ClusterQueryProps,
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: QUESTION_PAGE_MAX, default: QUESTION_PAGE_DEFAULT, description: 'Questions on the page, best gain first' }),
    ),
  },
  { additionalProperties: false },
);

export const QuestionParams = Type.Object({
  id: VideoIdParams.properties.id,
  qid: Type.String({ pattern: '^[0-9a-f]{16}$', description: 'Question id (from GET /videos/{id}/questions)' }),
});

export const AnswerBody = Type.Object(
  { same: Type.Boolean({ description: 'Yes: the two sides are one person. No: they are not' }) },
  { additionalProperties: false },
);

const QuestionSide = Type.Object(
  {
    face_ids: Type.Array(FaceId, {
      description: "The faces that show this side: a few of the cluster's most typical faces, the face itself, or a person's confirmed faces",
    }),
    cluster: Type.Union([Type.Integer(), Type.Null()], {
      description: 'The cluster of the cut this side stands for (null: a face in no cluster, or a person)',
    }),
    person: Type.Union([Type.Object({ id: Type.String({ format: 'uuid' }), name: Type.Union([Type.String(), Type.Null()]) }), Type.Null()], {
      description: 'The person this side is (the cluster carries them, or a person recognised from other videos); null when none',
    }),
  },
  { additionalProperties: false },
);

export const QuestionSchema = Type.Object(
  {
    id: Type.String({ description: 'Stable id: the same question (kind and faces shown) keeps it across requests; an answered one is never asked again' }),
    kind: Type.Union(
      ['merge', 'move', 'split', 'person'].map((k) => Type.Literal(k)),
      {
        description:
          'merge: two clusters that may be one person (yes joins them); move: a face (a) that may belong to another cluster (b); split: two parts of one cluster that may be two people (no parts them); person: a cluster (a) that may be a person known from other videos (b)',
      },
    ),
    a: QuestionSide,
    b: QuestionSide,
    gain: Type.Number({ description: 'Expected faces fixed by the answer: faces a yes moves × the probability of a yes (split: of a no)' }),
    p: Type.Number({ minimum: 0, maximum: 1, description: 'Probability that the cut is wrong here' }),
    moved: Type.Integer({ description: 'Faces the answer that fixes the cut moves' }),
  },
  { $id: 'Question', title: 'Question', additionalProperties: false },
);

const pageProps = {
  video_id: Type.String({ format: 'uuid' }),
  items: Type.Array(Type.Ref('Question')),
  total: Type.Integer({ description: 'Open questions about this cut (the page holds the first `limit`)' }),
  linkage_cached: Type.Boolean(),
};

export const QuestionPage = Type.Object(pageProps, { title: 'QuestionPage', additionalProperties: false });

export const AnswerResult = Type.Object(
  {
    answered: Type.Object({
      id: Type.String(),
      same: Type.Boolean(),
      people: Type.Array(Type.String({ format: 'uuid' }), {
        description: 'The people the answer created or changed: its edits are in their history (GET /people/{id}/history) and undone like any edit',
      }),
    }),
    ...pageProps,
  },
  { title: 'AnswerResult', additionalProperties: false },
);
