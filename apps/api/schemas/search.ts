import Type from 'typebox';
import { FaceQuality } from './common.js';

export const SearchFacesQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Most appearances returned per face' })),
  },
  { additionalProperties: false },
);

/** The multipart form of POST /search/faces: one `file` (the route reads and checks it; this schema documents it). */
export const SearchForm = Type.Object(
  { file: Type.String({ format: 'binary', description: 'The photo: JPEG, PNG or WebP' }) },
  { title: 'SearchForm', additionalProperties: false },
);

const PersonRef = Type.Object({ id: Type.String(), name: Type.Union([Type.String(), Type.Null()]) });

const Match = Type.Object({
  person: PersonRef,
  score: Type.Number({
    description:
      "Similarity of the face to the person's most similar confirmed face (cosine of unit face descriptors); at least the face's threshold (quality.threshold)",
  }),
});

const Appearance = Type.Object({
  video_id: Type.String({ format: 'uuid' }),
  face_id: Type.String({ format: 'uuid', description: 'A stored face (GET /faces/:id/thumbnail)' }),
  t: Type.Number({ description: 'Seconds into the video' }),
  score: Type.Number({ description: "Similarity to the photo's face (cosine of unit face descriptors); at least the face's threshold (quality.threshold)" }),
});

const SearchFace = Type.Object({
  box: Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()], {
    description: "[x, y, w, h] in the uploaded image's pixels (after its EXIF orientation)",
  }),
  matches: Type.Array(Match, { description: "The tenant's people this face is, best first (open set: empty for a stranger)" }),
  appearances: Type.Array(Appearance, { description: "The tenant's stored faces (ready videos) that look like this face, best first" }),
  quality: FaceQuality,
});

export const SearchFacesResult = Type.Object(
  {
    faces: Type.Array(SearchFace, { description: 'Every face found in the photo (at most 10), largest first' }),
    threshold: Type.Number({ description: "The recognition threshold the matches and appearances pass (a small face's own is in its `quality`)" }),
  },
  { title: 'FaceSearchResult' },
);
