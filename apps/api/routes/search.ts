import type { IncomingMessage } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { DEFAULT_EXTRACT, descriptorVersion, unknownNameMessage } from '../../../libs/config/index.js';
import { QUALITY_GATE, RECOGNITION, qualityGate } from '../../../libs/recognition/index.js';
import type { TaskFace } from '../../../libs/pipeline/index.js';
import { ApiError } from '../errors.js';
import { multipartError } from '../upload.js';
import { withDecodedPhoto, PHOTO_DECODE_CONCURRENCY, PHOTO_MAX_ASPECT, PHOTO_MAX_PIXELS, PHOTO_MAX_SIDE } from '../photo.js';
import { scopeOf } from '../plugins/auth.js';
import { errors } from '../schemas/common.js';
import { SearchFacesQuery, SearchFacesResult, SearchForm } from '../schemas/search.js';

/** A search photo's bytes; its pixels are judged from its header before decoding (apps/api/photo.ts). */
export const SEARCH_MAX_BYTES = 20 * 1024 * 1024;
/** Faces answered per photo (largest first): a crowd photo is not a search. */
const MAX_FACES = 10;

/** A photo's face in every descriptor version (the pool describes it so); its one descriptor as the default version otherwise. */
const versionsOf = (f: TaskFace): ReadonlyMap<number, ArrayLike<number>> => f.byVersion ?? new Map([[descriptorVersion(DEFAULT_EXTRACT.face_chips), f.face]]);

/**
 * Waits until the rest of the request has arrived (the multipart parser drops it): answering before would
 * make Node close the connection under a client still sending, which then sees a reset instead of the 413.
 */
function drained(raw: IncomingMessage, file: NodeJS.ReadableStream): Promise<void> {
  file.resume();
  if (raw.complete || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    raw.once('end', resolve);
    raw.once('close', resolve);
    raw.once('error', resolve);
  });
}

/** Reads a refused part to its end, keeping nothing: the parser then goes on to the next part (and the end of the body). */
async function skip(file: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of file);
}

/**
 * The request's one `file` part, read whole (it is small), or the documented 4xx: malformed multipart (the parser's
 * errors, mapped as POST /videos maps them), a second file, a text field (the form has none), no file.
 */
async function readPhoto(req: FastifyRequest): Promise<Buffer> {
  let photo: Buffer | null = null;
  let refusal: ApiError | null = null;
  // A text field is named only once a file came: a form without one is told the file is missing.
  let unknownField: ApiError | null = null;
  try {
    for await (const part of req.parts({ limits: { fileSize: SEARCH_MAX_BYTES, files: 1 } })) {
      if (refusal !== null) {
        if (part.type === 'file') await skip(part.file);
        continue;
      }
      if (part.type === 'field') {
        unknownField ??= new ApiError('UNKNOWN_OPTION', unknownNameMessage('field', part.fieldname, ['file']));
        continue;
      }
      if (part.fieldname !== 'file') {
        refusal = new ApiError('INVALID_OPTION', `unexpected file field ${part.fieldname}: the photo goes in \`file\``);
        await skip(part.file);
        continue;
      }
      try {
        photo = await part.toBuffer();
      } catch (e) {
        if ((e as { code?: string }).code !== 'FST_REQ_FILE_TOO_LARGE') throw e;
        await drained(req.raw, part.file);
        throw new ApiError('IMAGE_TOO_LARGE', `the photo is larger than the limit of ${SEARCH_MAX_BYTES} bytes`);
      }
    }
  } catch (e) {
    throw multipartError(e);
  }
  if (refusal !== null) throw refusal;
  if (!photo) throw new ApiError('MISSING_FILE', 'no `file` field in the upload');
  if (unknownField !== null) throw unknownField;
  return photo;
}

export const searchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/search/faces',
    {
      schema: {
        tags: ['search'],
        summary: "Search by photo: who is in it (the tenant's people) and where they appear (the tenant's ready videos)",
        description:
          `multipart/form-data with one \`file\`: a JPEG, PNG or WebP photo (at most ${SEARCH_MAX_BYTES} bytes, ${PHOTO_MAX_PIXELS} pixels, ${PHOTO_MAX_SIDE} pixels a side and ${PHOTO_MAX_ASPECT}:1, judged from its header before it is decoded). ` +
          `Every face found (at most ${MAX_FACES}, largest first) carries the people it is (open-set: a stranger has none) and the stored faces that look like it, ` +
          `both at the recognition threshold (${RECOGNITION.threshold}, calibrated in docs/QUALITY.md so that a person never enrolled is almost never named). ` +
          `A small face carries less detail: one under ${QUALITY_GATE.raiseBelowPx} px high (as analysed) must reach ${QUALITY_GATE.raisedThreshold}, one under ${QUALITY_GATE.refuseBelowPx} px is never named; each face's \`quality\` says which. ` +
          "Only the caller's tenant is searched. A deleted video's faces are never returned. " +
          '4xx: MISSING_FILE (no `file`), INVALID_MULTIPART (a malformed body), TOO_MANY_FILES (a second file), UNKNOWN_OPTION (a text field), NOT_AN_IMAGE (415: not a JPEG, PNG or WebP, or corrupt), IMAGE_TOO_LARGE (413), NO_FACE (422: no face found). ' +
          `503 UNAVAILABLE with Retry-After when more photos wait for one of the ${PHOTO_DECODE_CONCURRENCY} decoding slots than the queue holds.`,
        consumes: ['multipart/form-data'],
        body: SearchForm,
        querystring: SearchFacesQuery,
        response: { 200: SearchFacesResult, ...errors(400, 413, 415, 422, 500, 503) },
      },
      // The multipart stream is read in the handler (readPhoto): the body schema documents the form.
      validatorCompiler: ({ httpPart }) => (httpPart === 'body' ? () => true : undefined) as never,
    },
    async (req) => {
      const scope = scopeOf(req);
      const bytes = await readPhoto(req);
      if (bytes.length === 0) throw new ApiError('NOT_AN_IMAGE', 'the file is empty');
      const { faces, scale: s } = await withDecodedPhoto(bytes, async (photo) => {
        const pool = await app.keycast.faceDetector();
        const found = await pool.analyze({
          rgb: photo.rgb,
          width: photo.width,
          height: photo.height,
          minScore: DEFAULT_EXTRACT.min_face_score,
          maxFaces: 100,
          clothEncoder: 'histogram',
          // Stored faces may be of any descriptor version: the photo's faces are described in every one.
          allChips: true,
        });
        if (found.faces.length === 0)
          throw new ApiError('NO_FACE', found.detected > 100 ? 'more than 100 faces: not a search photo' : 'no face was found in the photo');
        return { faces: [...found.faces].sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3]).slice(0, MAX_FACES), scale: photo.scale };
      });
      const limit = req.query.limit ?? 100;
      return {
        faces: await Promise.all(
          faces.map(async (f) => {
            // Judged in the pixels the face was described from (the decoded photo), where its detail is.
            const quality = qualityGate(f.box[3]);
            const box = f.box.map((v) => Math.round(v * s * 10) / 10) as [number, number, number, number];
            if (quality.threshold === null) return { box, matches: [], appearances: [], quality };
            const minScore = quality.threshold;
            return {
              box,
              matches: (await app.keycast.galleries.matches(scope.tenantId, versionsOf(f), { threshold: minScore })).map((m) => ({
                person: { id: m.person.id, name: m.person.name },
                score: Math.round(m.score * 10000) / 10000,
              })),
              appearances: (await app.keycast.library.search(scope.tenantId, versionsOf(f), { minScore, limit })).map((a) => ({
                video_id: a.videoId,
                face_id: a.faceId,
                t: a.t,
                score: Math.round(a.score * 10000) / 10000,
              })),
              quality,
            };
          }),
        ),
        threshold: RECOGNITION.threshold,
      };
    },
  );
};
