import { answerEdits, askQuestions, QUESTION_FACES, type PersonSuggestion, type Question, type QuestionList } from '../flow/index.js';
import type { Store, VideoPersonConstraints } from '../store/index.js';
import type { ClusterRun } from './cluster.service.js';
import type { Actor, PersonService } from './person.service.js';

/** A person recognised for a cluster of the run (GET /videos/:id/clusters' `suggestion`). */
export interface ClusterSuggestionInput {
  person: { id: string; name: string | null };
  score: number;
}

/** The open questions about one cut, best first, with what their sides show. */
export interface AskedQuestions {
  /** Built as read: a page builds its questions only; a lookup by id builds them all once. */
  questions: QuestionList;
  /** Public id of every face a question shows (faces of the video, and a suggested person's faces from other videos). */
  publicIds: Pick<ReadonlyMap<number, string>, 'get'>;
  /** Name of every person a question names. */
  names: Map<string, string | null>;
}

/**
 * Questions that finish the job (libs/flow questions.ts) over stored videos: the questions about a cut of
 * ClusterService, and their answers as people edits through PersonService, so every answer is in the people's
 * history (who, when, what), can be undone like any edit, and constrains every cut of every video of the tenant.
 */
export class QuestionService {
  /** Each cut's questions (by its report, shared by every request of the cut) under the people state they were asked under. */
  private readonly asked = new WeakMap<
    ClusterRun['report'],
    { digest: string; suggestions: ReadonlyMap<number, ClusterSuggestionInput>; asked: Promise<AskedQuestions> }
  >();

  constructor(
    private readonly store: Store,
    private readonly people: PersonService,
  ) {}

  /**
   * The open questions about `run` (a cut of the video), with the tenant's people as its constraints.
   *
   * Kept per cut and people state, as the suggestions are: a cut served from ClusterService's cut cache is one report
   * object for every request of that cut, so its questions are memoised on that object under the constraints they
   * were asked under (a digest of every person's faces, rejections and name on the video) and the suggestions (the
   * same map object while the tenant's people are unchanged: PeopleGalleries memoises it the same way). A page, the
   * next page and the answer's lookup of a question by id cost a map read, not the questions; any people edit that
   * touches the video, or the tenant's gallery, asks again.
   */
  async ask(
    actor: Actor,
    videoId: string,
    run: Pick<ClusterRun, 'report' | 'faces'> & Partial<Pick<ClusterRun, 'constraints'>>,
    suggestions: ReadonlyMap<number, ClusterSuggestionInput>,
  ): Promise<AskedQuestions> {
    const constraints = run.constraints ?? (await this.store.people.constraintsForVideo(videoId));
    const digest = constraintsDigest(constraints);
    const held = this.asked.get(run.report);
    if (held && held.digest === digest && sameSuggestions(held.suggestions, suggestions)) return held.asked;
    const asked = this.compute(actor, run, constraints, suggestions);
    this.asked.set(run.report, { digest, suggestions, asked });
    asked.catch(() => {
      if (this.asked.get(run.report)?.asked === asked) this.asked.delete(run.report);
    });
    return asked;
  }

  private async compute(
    actor: Actor,
    run: Pick<ClusterRun, 'report' | 'faces'>,
    constraints: readonly VideoPersonConstraints[],
    suggestions: ReadonlyMap<number, ClusterSuggestionInput>,
  ): Promise<AskedQuestions> {
    const own = publicIdsOf(run.faces);
    const others = new Map<number, string>();
    const names = new Map<string, string | null>(constraints.map((p) => [p.id, p.name]));
    const suggested: PersonSuggestion[] = [];
    for (const [cluster, s] of suggestions) {
      // A person is shown by their confirmed faces (their first ones: the faces they were named from).
      const p = await this.store.people.get(s.person.id, actor.scope);
      if (!p || p.faces.length === 0) continue;
      const shown = p.faces.slice(0, QUESTION_FACES);
      for (const f of shown) others.set(f.id, f.publicId);
      names.set(p.id, p.name);
      suggested.push({ cluster, person: p.id, score: s.score, exemplars: shown.map((f) => f.id) });
    }
    const questions = askQuestions({
      faces: run.faces,
      labels: run.report.faces.map((f) => f.cluster),
      people: constraints,
      suggestions: suggested,
    });
    const publicIds = others.size === 0 ? own : { get: (id: number) => others.get(id) ?? own.get(id) };
    return { questions, publicIds, names };
  }

  /** Records an answer (answerEdits) as people edits; returns the people it created or changed. */
  async answer(actor: Actor, q: Question, same: boolean): Promise<string[]> {
    const touched: string[] = [];
    for (const e of answerEdits(q, same)) {
      if (e.op === 'create') touched.push((await this.people.create(actor, { faces: e.faces, exclude: e.exclude })).id);
      else if (e.op === 'confirm') touched.push((await this.people.confirm(actor, e.person, e.faces)).id);
      else if (e.op === 'merge') touched.push((await this.people.merge(actor, e.person, e.others)).id);
      else {
        for (const f of e.faces) await this.people.reject(actor, e.person, f);
        touched.push(e.person);
      }
    }
    return [...new Set(touched)];
  }
}

/**
 * The public ids of a video's faces, kept per faces array (ClusterService keeps one per video for every cut of it), so a
 * new cut's questions map none of them again.
 */
const facePublicIds = new WeakMap<ClusterRun['faces'], ReadonlyMap<number, string>>();
function publicIdsOf(faces: ClusterRun['faces']): ReadonlyMap<number, string> {
  let m = facePublicIds.get(faces);
  if (!m) facePublicIds.set(faces, (m = new Map(faces.map((f) => [f.id, f.publicId]))));
  return m;
}

/** The same suggestions: the same memoised map (PeopleGalleries), or none either time (a fresh empty map each call). */
function sameSuggestions(a: ReadonlyMap<number, ClusterSuggestionInput>, b: ReadonlyMap<number, ClusterSuggestionInput>): boolean {
  return a === b || (a.size === 0 && b.size === 0);
}

/** Everything of the people's constraints that a question depends on (faces, rejections, names), as one string. */
function constraintsDigest(people: readonly VideoPersonConstraints[]): string {
  return JSON.stringify(people.map((p) => [p.id, p.name, p.faces, p.rejected]));
}
