import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Question } from '../../../libs/flow/index.js';
import type { AskedQuestions, ClusterRun } from '../../../libs/services/index.js';
import type { VideoRecord } from '../../../libs/store/index.js';
import { ApiError } from '../errors.js';
import { scopeOf } from '../plugins/auth.js';
import { VideoIdParams, errors } from '../schemas/common.js';
import { LinkageComputing } from '../schemas/clusters.js';
import { AnswerBody, AnswerResult, QuestionPage, QuestionParams, QuestionQuery, QUESTION_PAGE_DEFAULT } from '../schemas/questions.js';
import { answerComputing, clusterVideo, readyVideo } from '../cluster-requests.js';
import { actorOf } from './people.js';

/** The open questions about the query's cut of a ready video, or the linkage it needs (202). */
async function askAbout(app: FastifyInstance, req: FastifyRequest, video: VideoRecord, query: Record<string, unknown>) {
  const { run, opts, pending } = await clusterVideo(app, video, query);
  if (pending) return { pending, opts };
  const suggestions = await app.keycast.galleries.suggestForClusters(scopeOf(req).tenantId, video.id, run);
  return { run, asked: await app.keycast.questions.ask(actorOf(req), video.id, run, suggestions) };
}

/** A page of questions as the API shows them: public face ids, people with their names. */
function page(video: VideoRecord, run: ClusterRun, asked: AskedQuestions, limit: number) {
  const side = (s: Question['a']) => ({
    face_ids: s.faces.map((f) => asked.publicIds.get(f)!),
    cluster: s.cluster,
    person: s.person === null ? null : { id: s.person, name: asked.names.get(s.person) ?? null },
  });
  return {
    video_id: video.id,
    items: asked.questions.page(limit).map((q) => ({ id: q.id, kind: q.kind, a: side(q.a), b: side(q.b), gain: q.gain, p: q.p, moved: q.moved })),
    total: asked.questions.length,
    linkage_cached: run.linkage === 'memory' || run.linkage === 'database',
  };
}

const CUT =
  "The questions are about the cut that GET /videos/{id}/clusters answers with the same clustering parameters (same cluster ids), under the tenant's people as constraints; when that cut's linkage is not cached and the video is too big to compute it in the request, the answer is 202 (LinkageComputing) as there.";

export const questionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/videos/:id/questions',
    {
      schema: {
        tags: ['clusters'],
        summary: 'Yes/no questions whose answers would fix the most faces of the clustering, best first',
        description: `${CUT} Kinds: two clusters that may be one person (merge), a face that may belong to another cluster than its own (move), two parts of a cluster that may be two people (split), a cluster that may be a person known from other videos (person). Ranked by expected gain (faces the answer moves × the probability that the cut is wrong there). A question that a constraint answers is never asked: answer one with POST /videos/{id}/questions/{qid}/answer.`,
        params: VideoIdParams,
        querystring: QuestionQuery,
        response: { 200: QuestionPage, 202: LinkageComputing, ...errors(400, 404, 409, 500, 503) },
      },
    },
    async (req, reply) => {
      const video = await readyVideo(app, req, req.params.id);
      const r = await askAbout(app, req, video, req.query);
      if (r.pending) return answerComputing(app, req, reply, video, r.pending, r.opts);
      return page(video, r.run, r.asked, req.query.limit ?? QUESTION_PAGE_DEFAULT);
    },
  );

  app.post(
    '/videos/:id/questions/:qid/answer',
    {
      schema: {
        tags: ['clusters'],
        summary: 'Answer a question: yes or no becomes people edits (constraints of every cut), then the next questions',
        description: `Pass the clustering parameters of the GET that asked it: the question must be open about that cut (else 404). Yes: merge joins the two clusters (their faces one person: a person a side carries, else a new one), move confirms the face for the other cluster's person, split confirms the cluster as one person, person confirms the cluster's faces for the person. No: the other side's shown faces are rejected from the first side's person (made from its cluster when it has none), a move's face from the other cluster's person, a person question's faces from the person; a split's two parts become two people. The edits are PersonService's (POST /people, /people/{id}/faces, DELETE /people/{id}/faces/{faceId}, /people/{id}/merge): in the people's history, undone like any edit, honoured at every cut and in later videos. Answers with the next page of questions about the same parameters under the new constraints (202 LinkageComputing, Location the GET of the questions, when the new linkage is computed by the worker; the answer is recorded either way).`,
        params: QuestionParams,
        querystring: QuestionQuery,
        body: AnswerBody,
        response: { 200: AnswerResult, 202: LinkageComputing, ...errors(400, 404, 409, 500, 503) },
      },
    },
    async (req, reply) => {
      const video = await readyVideo(app, req, req.params.id);
      // Whether the question is open and its edits, as one step per video: of concurrent answers one wins, the rest 404.
      const done = await app.keycast.store.people.answering(video.id, async () => {
        const before = await askAbout(app, req, video, req.query);
        if (before.pending) return { pending: before.pending, opts: before.opts };
        const q = before.asked.questions.find(req.params.qid);
        if (!q)
          throw new ApiError(
            'NOT_FOUND',
            `no open question ${req.params.qid} about this cut of video ${video.id} (answered already, or asked with other clustering parameters)`,
          );
        return { q, people: await app.keycast.questions.answer(actorOf(req), q, req.body.same) };
      });
      if ('pending' in done && done.pending) return answerComputing(app, req, reply, video, done.pending, done.opts);
      const { q, people } = done;
      const after = await askAbout(app, req, video, req.query);
      if (after.pending) {
        const q = new URLSearchParams(req.url.split('?')[1] ?? '');
        return answerComputing(app, req, reply, video, after.pending, after.opts, `/videos/${video.id}/questions${q.size ? `?${q.toString()}` : ''}`);
      }
      return { answered: { id: q.id, same: req.body.same, people }, ...page(video, after.run, after.asked, req.query.limit ?? QUESTION_PAGE_DEFAULT) };
    },
  );
};
