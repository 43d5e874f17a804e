import type { PrismaClient } from './client.js';

export interface SegmentSpan {
  idx: number;
  startS: number;
  endS: number;
}

export interface SegmentRecord extends SegmentSpan {
  status: string;
  progress: number;
  frames: number;
  faces: number;
  timings: Record<string, number>;
}

export class SegmentRepository {
  constructor(private readonly db: PrismaClient) {}

  /** Creates the segment rows once (a retried split keeps the existing ones). */
  async ensure(videoId: string, spans: SegmentSpan[]): Promise<void> {
    await this.db.segment.createMany({ data: spans.map((s) => ({ videoId, ...s })), skipDuplicates: true });
  }

  progressQuery(videoId: string, idx: number, p: { progress: number; frames: number; faces: number }) {
    return this.db.segment.updateMany({
      where: { videoId, idx },
      data: { status: 'processing', progress: Math.min(1, Math.max(0, p.progress)), frames: p.frames, faces: p.faces },
    });
  }

  async markDone(videoId: string, idx: number, p: { frames: number; faces: number; timings: Record<string, number> }): Promise<void> {
    await this.db.segment.updateMany({ where: { videoId, idx }, data: { status: 'done', progress: 1, frames: p.frames, faces: p.faces, timings: p.timings } });
  }

  async list(videoId: string): Promise<SegmentRecord[]> {
    const rows = await this.db.segment.findMany({ where: { videoId }, orderBy: { idx: 'asc' } });
    return rows.map((r) => ({
      idx: r.idx,
      startS: r.startS,
      endS: r.endS,
      status: r.status,
      progress: r.progress,
      frames: r.frames,
      faces: r.faces,
      timings: r.timings as Record<string, number>,
    }));
  }
}
