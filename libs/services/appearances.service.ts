import { KeycastError, resolveClusterOptions } from '../config/index.js';
import { buildClusterReport } from '../flow/index.js';
import type { Store, StoredFingerprint, VideoRecord } from '../store/index.js';
import type { Actor } from './person.service.js';
import { videoSampleInterval, type ClusterService } from './cluster.service.js';

/** Where a person appears in one ready video. Times in seconds; face ids are the public ones. */
export interface PersonAppearance {
  video: VideoRecord;
  /**
   * 'cluster': the faces of the person's cluster at the video's default clustering (their confirmed
   * faces and the faces clustered with them); 'confirmed': their confirmed faces only (the default
   * linkage of a large video was not cached, and is not computed in a request).
   */
  basis: 'cluster' | 'confirmed';
  faces: string[];
  screenTimeS: number;
  firstT: number;
  lastT: number;
  segments: [number, number][];
}

/**
 * Every ready video where a person appears, and when: for each video holding their confirmed faces,
 * the summary (screen time, segments, first and last seen: libs/report's rules, as in GET /clusters)
 * of their cluster at the default clustering, where the person's constraints put all their confirmed
 * faces in one cluster; of their confirmed faces alone when that clustering is not cheap. Videos where
 * the person is only suggested (no confirmed face) are not listed.
 */
export class AppearanceService {
  constructor(
    private readonly store: Store,
    private readonly clusters: ClusterService,
  ) {}

  async of(actor: Actor, personId: string, { computeUpTo }: { computeUpTo: number }): Promise<PersonAppearance[]> {
    const person = await this.store.people.get(personId, actor.scope);
    if (!person) throw new KeycastError('NOT_FOUND', `no person ${personId}`);
    const confirmed = new Set(person.faces.map((f) => f.id));
    const out: PersonAppearance[] = [];
    for (const { id } of person.videos) {
      const video = await this.store.videos.get(id, actor.scope);
      if (!video || video.status !== 'ready') continue;
      const a = await this.inVideo(video, personId, confirmed, computeUpTo);
      if (a) out.push(a);
    }
    return out.sort((x, y) => y.screenTimeS - x.screenTimeS || (x.video.id < y.video.id ? -1 : 1));
  }

  private async inVideo(video: VideoRecord, personId: string, confirmed: Set<number>, computeUpTo: number): Promise<PersonAppearance | null> {
    const run = await this.clusters.clusterIfCheap(video, resolveClusterOptions({}), { computeUpTo });
    if (!('pending' in run)) {
      const c = run.report.clusters.find((c) => run.people.get(c.id)?.id === personId);
      if (c) {
        const pub = new Map(run.faces.map((f) => [f.id, f.publicId]));
        return present(
          video,
          'cluster',
          c.faces.map((id) => pub.get(id)!),
          c,
        );
      }
    }
    // Confirmed faces only, summarised by the same rules (the video's sampling interval, its duration).
    const faces = await this.clusters.faces(video);
    const labels = faces.map((f) => (confirmed.has(f.id) ? 0 : null));
    if (!labels.includes(0)) return null;
    const report = buildClusterReport(faces, labels, {
      sample_interval_s: videoSampleInterval(video, faces),
      duration_s: video.durationS ?? undefined,
      thumbnail: (f) => String(f.id),
    });
    const pub = new Map(faces.map((f: StoredFingerprint) => [f.id, f.publicId]));
    const c = report.clusters[0];
    return present(
      video,
      'confirmed',
      c.faces.map((id) => pub.get(id)!),
      c,
    );
  }
}

function present(
  video: VideoRecord,
  basis: PersonAppearance['basis'],
  faces: string[],
  c: { screen_time_s: number; first_t: number; last_t: number; segments: [number, number][] },
): PersonAppearance {
  return { video, basis, faces, screenTimeS: c.screen_time_s, firstT: c.first_t, lastT: c.last_t, segments: c.segments };
}
