import sharp from 'sharp';
import { KeycastError } from '../config/index.js';
import { escapeXml } from './escape.js';
import { formatDuration } from './format.js';
import { loadThumbnail, mapLimit } from './images.js';
import type { ClusterSummary, ThumbnailSource } from './types.js';

export interface MontageOptions {
  /** Side of one square tile (and the width of one column), pixels. Integer in [16, 1024]; default 96. */
  tile?: number;
  /** Most faces shown per cluster (rows). Integer >= 1; default 8. */
  maxPerCluster?: number;
}

export interface MontageLayout {
  tile: number;
  columns: number;
  rows: number;
  /** Height of the header band above the tiles. */
  header: number;
  fontSize: number;
  width: number;
  height: number;
}

export const DEFAULT_TILE = 96;
export const DEFAULT_MAX_PER_CLUSTER = 8;
/** Size of the image drawn for an empty cluster list. */
export const EMPTY_MONTAGE = { width: 240, height: 60 } as const;
/** Gap around each thumbnail inside its tile, so neighbouring faces stay apart. */
const TILE_PAD = 1;
const HEADER_LINES = 3;

/**
 * The montage's geometry: one column per cluster, `tile` pixels wide, so width = clusters × tile;
 * height = header + rows × tile, where rows = the largest min(cluster size, maxPerCluster) and
 * header = 3 text lines of round(1.25 · fontSize) plus 8 pixels, fontSize = clamp(round(tile / 8), 9, 16)
 * (tile 96 → font 12, header 53). An empty list gives EMPTY_MONTAGE (240 × 60).
 */
export function montageLayout(clusters: readonly Pick<ClusterSummary, 'faces'>[], opts: MontageOptions = {}): MontageLayout {
  const tile = opts.tile ?? DEFAULT_TILE;
  const maxPer = opts.maxPerCluster ?? DEFAULT_MAX_PER_CLUSTER;
  if (!Number.isInteger(tile) || tile < 16 || tile > 1024) throw new KeycastError('INVALID_OPTION', `tile must be an integer in [16, 1024], got ${tile}`);
  if (!Number.isInteger(maxPer) || maxPer < 1) throw new KeycastError('INVALID_OPTION', `maxPerCluster must be an integer >= 1, got ${maxPer}`);
  const fontSize = Math.min(16, Math.max(9, Math.round(tile / 8)));
  const header = HEADER_LINES * Math.round(fontSize * 1.25) + 8;
  if (clusters.length === 0) return { tile, columns: 0, rows: 0, header: 0, fontSize, ...EMPTY_MONTAGE };
  const rows = Math.max(0, ...clusters.map((c) => Math.min(c.faces.length, maxPer)));
  return { tile, columns: clusters.length, rows, header, fontSize, width: clusters.length * tile, height: header + rows * tile };
}

/**
 * Which faces a column shows, top to bottom: the representative first, then the other faces spread
 * evenly over time (indices round(k · (n - 1) / (m - 1)) of the time-ordered rest, k = 0 … m - 1), so a
 * capped column still shows the whole span of the person's appearances. All faces when they fit.
 */
export function montageFaces(cluster: Pick<ClusterSummary, 'faces' | 'representative'>, maxPerCluster: number): number[] {
  const rest = cluster.faces.filter((id) => id !== cluster.representative);
  const hasRep = rest.length !== cluster.faces.length;
  const m = maxPerCluster - (hasRep ? 1 : 0);
  let picked: number[];
  if (rest.length <= m) picked = rest;
  else if (m <= 0) picked = [];
  else if (m === 1) picked = [rest[0]];
  else picked = Array.from({ length: m }, (_, k) => rest[Math.round((k * (rest.length - 1)) / (m - 1))]);
  return hasRep ? [cluster.representative, ...picked] : picked;
}

/**
 * Renders the clusters as one PNG, like the reference's plot_clusters: one column per cluster, in the
 * given order, each a header (cluster id, face count, screen time) over a column of face thumbnails
 * (montageFaces picks them; each is cropped to a square, `cover`, centred). Geometry: montageLayout.
 * An empty list gives a small PNG reading "no clusters".
 * A thumbnail that cannot be loaded or decoded fails the whole call with KeycastError('INVALID_FILE').
 */
export async function renderMontage(clusters: readonly ClusterSummary[], thumbnails: ThumbnailSource, opts: MontageOptions = {}): Promise<Buffer> {
  const L = montageLayout(clusters, opts);
  const maxPer = opts.maxPerCluster ?? DEFAULT_MAX_PER_CLUSTER;
  const background = { r: 24, g: 24, b: 27 };

  if (clusters.length === 0) {
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${L.width}" height="${L.height}">` +
      `<text x="${L.width / 2}" y="${L.height / 2}" font-family="DejaVu Sans, sans-serif" font-size="16" fill="#e4e4e7" ` +
      `text-anchor="middle" dominant-baseline="middle">no clusters</text></svg>`;
    return sharp({ create: { width: L.width, height: L.height, channels: 3, background } })
      .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
      .png()
      .toBuffer();
  }

  const cells = clusters.flatMap((c, col) => montageFaces(c, maxPer).map((faceId, row) => ({ faceId, col, row })));
  const inner = L.tile - 2 * TILE_PAD;
  const tiles = await mapLimit(cells, 4, async ({ faceId, col, row }) => {
    const src = await loadThumbnail(thumbnails, faceId);
    let input: Buffer;
    try {
      input = await sharp(src).rotate().resize(inner, inner, { fit: 'cover', position: 'centre' }).removeAlpha().png().toBuffer();
    } catch (e) {
      throw new KeycastError('INVALID_FILE', `thumbnail of face ${faceId} is not a readable image: ${(e as Error).message}`);
    }
    return { input, left: col * L.tile + TILE_PAD, top: L.header + row * L.tile + TILE_PAD };
  });

  return sharp({ create: { width: L.width, height: L.height, channels: 3, background } })
    .composite([{ input: Buffer.from(headerSvg(clusters, L)), top: 0, left: 0 }, ...tiles])
    .png()
    .toBuffer();
}

function headerSvg(clusters: readonly ClusterSummary[], L: MontageLayout): string {
  const lh = Math.round(L.fontSize * 1.25);
  const parts = clusters.map((c, i) => {
    const x = i * L.tile;
    const cx = x + L.tile / 2;
    const line = (k: number) => 4 + lh * (k + 1) - Math.round((lh - L.fontSize) / 2) - 1;
    // Alternating shades tell the columns apart without spending pixels on separators.
    return (
      `<rect x="${x}" y="0" width="${L.tile}" height="${L.header}" fill="${i % 2 ? '#3f3f46' : '#27272a'}"/>` +
      `<g font-family="DejaVu Sans, sans-serif" font-size="${L.fontSize}" text-anchor="middle" fill="#f4f4f5">` +
      `<text x="${cx}" y="${line(0)}" font-weight="bold">#${escapeXml(c.id)}</text>` +
      `<text x="${cx}" y="${line(1)}">${escapeXml(c.size)} ${c.size === 1 ? 'face' : 'faces'}</text>` +
      `<text x="${cx}" y="${line(2)}">${escapeXml(formatDuration(c.screen_time_s))}</text></g>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${L.width}" height="${L.header}">${parts.join('')}</svg>`;
}
