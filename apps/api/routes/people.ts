import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../../libs/services/index.js';
import { faceIdsIn } from '../face-ids.js';
import { scopeOf } from '../plugins/auth.js';
import { presentPerson, presentPersonEvent } from '../present.js';
import { NoQuery, errors } from '../schemas/common.js';
import {
  HistoryQuery,
  MergePeopleBody,
  NewPersonBody,
  PeopleListQuery,
  PersonFaceParams,
  PersonAppearances,
  PersonFacesBody,
  PersonHistory,
  PersonIdParams,
  PersonList,
  RenamePersonBody,
} from '../schemas/people.js';

/** The caller as the people service records it: the tenant and the key that made the edit. */
export function actorOf(req: FastifyRequest): Actor {
  return { scope: scopeOf(req), keyId: req.tenant?.keyId ?? null };
}

const PERSON = Type.Ref('Person');

export const peopleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const base = () => app.keycast.config.publicBaseUrl;
  const people = () => app.keycast.people;

  app.post(
    '/people',
    {
      schema: {
        tags: ['people'],
        summary: 'Create a person: name it, confirm faces (they leave any other person), reject others (a split: the part and the rest)',
        description:
          "The faces are constraints of every clustering of their videos: a person's confirmed faces always share one cluster, which carries the person; an excluded face never joins it.",
        body: NewPersonBody,
        response: { 201: PERSON, ...errors(400, 404, 500) },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const p = await people().create(actor, {
        name: req.body.name ?? null,
        faces: await faceIdsIn(app, actor.scope, req.body.faces),
        exclude: await faceIdsIn(app, actor.scope, req.body.exclude ?? []),
      });
      return reply.code(201).header('location', `${base()}/people/${p.id}`).send(presentPerson(p, base()));
    },
  );

  app.get(
    '/people',
    {
      schema: {
        tags: ['people'],
        summary: "The tenant's people, newest first (cursor pagination)",
        querystring: PeopleListQuery,
        response: { 200: PersonList, ...errors(400, 500) },
      },
    },
    async (req) => {
      const page = await people().list(actorOf(req), { limit: req.query.limit ?? 20, cursor: req.query.cursor });
      return { items: page.items.map((p) => presentPerson(p, base())), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/people/:id',
    {
      schema: {
        tags: ['people'],
        summary: 'A person: name, confirmed and rejected faces, videos',
        params: PersonIdParams,
        response: { 200: PERSON, ...errors(400, 404, 500) },
      },
    },
    async (req) => presentPerson(await people().get(actorOf(req), req.params.id), base()),
  );

  app.patch(
    '/people/:id',
    {
      schema: {
        tags: ['people'],
        summary: 'Rename a person (null removes the name)',
        params: PersonIdParams,
        body: RenamePersonBody,
        response: { 200: PERSON, ...errors(400, 404, 500) },
      },
    },
    async (req) => presentPerson(await people().rename(actorOf(req), req.params.id, req.body.name), base()),
  );

  app.delete(
    '/people/:id',
    {
      schema: {
        tags: ['people'],
        summary: 'Delete a person and its constraints (its faces stay, unconstrained)',
        params: PersonIdParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errors(400, 404, 500) },
      },
    },
    async (req, reply) => {
      await people().delete(actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/people/:id/faces',
    {
      schema: {
        tags: ['people'],
        summary: 'Confirm faces as this person: they move here from any other person',
        params: PersonIdParams,
        body: PersonFacesBody,
        response: { 200: PERSON, ...errors(400, 404, 500) },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      return presentPerson(await people().confirm(actor, req.params.id, await faceIdsIn(app, actor.scope, req.body.faces)), base());
    },
  );

  app.delete(
    '/people/:id/faces/:faceId',
    {
      schema: {
        tags: ['people'],
        summary: 'Reject a face from this person: it is not them, and never joins their cluster',
        params: PersonFaceParams,
        response: { 200: PERSON, ...errors(400, 404, 500) },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const [faceId] = await faceIdsIn(app, actor.scope, [req.params.faceId]);
      return presentPerson(await people().reject(actor, req.params.id, faceId), base());
    },
  );

  app.post(
    '/people/:id/merge',
    {
      schema: {
        tags: ['people'],
        summary: 'Merge other people into this one: their faces, rejections and history move here; they are gone (404)',
        params: PersonIdParams,
        body: MergePeopleBody,
        response: { 200: PERSON, ...errors(400, 404, 500) },
      },
    },
    async (req) => presentPerson(await people().merge(actorOf(req), req.params.id, req.body.people), base()),
  );

  app.get(
    '/people/:id/appearances',
    {
      schema: {
        tags: ['people'],
        summary: 'Where a person appears: per ready video holding their confirmed faces, face count, screen time, segments, first and last seen',
        description:
          "Per video, the person's cluster at the video's default clustering (the constraints put all their confirmed faces in it), summarised by the rules of GET /videos/:id/clusters; their confirmed faces alone (`basis: confirmed`) when that clustering's linkage is not cached and the video is too large to compute it in the request. Videos where the person is only suggested are not listed. A deleted video is gone at once.",
        params: PersonIdParams,
        querystring: NoQuery,
        response: { 200: PersonAppearances, ...errors(400, 404, 500) },
      },
    },
    async (req) => {
      const found = await app.keycast.appearances.of(actorOf(req), req.params.id, { computeUpTo: app.keycast.config.syncLinkageMaxFaces });
      const p = await people().get(actorOf(req), req.params.id);
      return {
        person: { id: p.id, name: p.name },
        videos: found.map((a) => ({
          video_id: a.video.id,
          filename: a.video.filename,
          duration_s: a.video.durationS,
          basis: a.basis,
          face_count: a.faces.length,
          faces: a.faces,
          screen_time_s: a.screenTimeS,
          first_t: a.firstT,
          last_t: a.lastT,
          segments: a.segments,
        })),
      };
    },
  );

  app.get(
    '/people/:id/history',
    {
      schema: {
        tags: ['people'],
        summary: 'Every edit of a person, oldest first: who (API key id), when, what',
        params: PersonIdParams,
        querystring: HistoryQuery,
        response: { 200: PersonHistory, ...errors(400, 404, 500) },
      },
    },
    async (req) => {
      const page = await people().history(actorOf(req), req.params.id, { limit: req.query.limit ?? 100, cursor: req.query.cursor });
      return { items: page.items.map(presentPersonEvent), next_cursor: page.nextCursor };
    },
  );
};
