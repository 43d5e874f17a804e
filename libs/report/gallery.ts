import sharp from 'sharp';
import { KeycastError } from '../config/index.js';
import { escapeHtml } from './escape.js';
import { formatClock, formatDuration, trimNumber } from './format.js';
import { imageMime, loadThumbnail, mapLimit } from './images.js';
import type { AnalysisResult, ClusterSummary, ResultFace, ThumbnailSource } from './types.js';

/** Options shown in the page header when present in `params` (all of them are in a collapsible table). */
export const MAIN_PARAMS = [
  'capture_interval_sec',
  'use_scene_transition',
  'sim',
  'min_csize',
  'method',
  'merge',
  'face_cloth_weights',
  'cloth_encoder',
  'max_faces_per_frame',
  'min_face_score',
] as const;

/**
 * Renders result.json as one self-contained HTML page: every image inlined as a data: URI, CSS inline,
 * no script, no external resource (a Content-Security-Policy meta tag forbids any that slipped in).
 * Every string from the result (paths, params, ids) is HTML-escaped.
 *
 * Content: a header (video path, duration, fps, size, counts, the MAIN_PARAMS present, all params in a
 * <details> table, timings); one card per cluster in `result.clusters` order with its representative
 * face, size, screen time (and share of the video), first/last appearance, a timeline bar of its
 * segments over [0, duration] and every face thumbnail captioned with its time; then an "Unclustered"
 * section with the faces of `result.unclustered`.
 *
 * Thumbnails in JPEG/PNG/WebP/GIF are inlined as they are; other formats sharp reads are re-encoded
 * as PNG. A face id referenced by a cluster but missing from `faces`, or an unreadable thumbnail,
 * throws KeycastError('INVALID_FILE').
 */
export async function renderGallery(result: AnalysisResult, thumbnails: ThumbnailSource): Promise<string> {
  const facesById = new Map<number, ResultFace>(result.faces.map((f) => [f.id, f]));
  const needed = [...new Set([...result.clusters.flatMap((c) => [c.representative, ...c.faces]), ...result.unclustered])];
  for (const id of needed) {
    if (!facesById.has(id)) throw new KeycastError('INVALID_FILE', `face ${id} is referenced but not listed in faces`);
  }
  const uris = new Map<number, string>();
  await mapLimit(needed, 4, async (id) => {
    uris.set(id, await dataUri(await loadThumbnail(thumbnails, id), id));
  });

  const v = result.video;
  // A zero or missing duration would divide by zero on the timeline: fall back to the last segment end.
  const span = Math.max(Number.isFinite(v.duration_s) ? v.duration_s : 0, ...result.clusters.flatMap((c) => c.segments.map((s) => s[1])), 1e-9);
  const name = v.path.split(/[\\/]/).pop() || v.path;
  const ctx: Ctx = { facesById, uris, span, duration: v.duration_s };

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>keycast: ${escapeHtml(name)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Key characters of <span class="path">${escapeHtml(name)}</span></h1>
<dl class="video">
${dt('File', escapeHtml(v.path))}
${dt('Duration', escapeHtml(formatClock(v.duration_s)))}
${dt('Frame rate', `${escapeHtml(trimNumber(v.fps, 3))} fps`)}
${dt('Size', `${escapeHtml(v.width)} × ${escapeHtml(v.height)}`)}
${dt('Faces', escapeHtml(result.faces.length))}
${dt('Clusters', escapeHtml(result.clusters.length))}
${dt('Unclustered', escapeHtml(result.unclustered.length))}
</dl>
<dl class="params">
${MAIN_PARAMS.filter((k) => k in result.params)
  .map((k) => dt(k, escapeHtml(paramText(result.params[k]))))
  .join('\n')}
</dl>
<details><summary>All parameters and timings</summary>
<table class="kv">${Object.entries(result.params)
    .map(([k, val]) => row(k, paramText(val)))
    .join('')}</table>
<table class="kv">${Object.entries(result.timings ?? {})
    .map(([k, ms]) => row(k, `${trimNumber(ms, 1)} ms`))
    .join('')}</table>
</details>
</header>
<main>
${result.clusters.length === 0 ? '<p class="empty">No clusters.</p>' : result.clusters.map((c) => clusterCard(c, ctx)).join('\n')}
<section class="unclustered">
<h2>Unclustered <small>${escapeHtml(result.unclustered.length)} ${result.unclustered.length === 1 ? 'face' : 'faces'}</small></h2>
${result.unclustered.length === 0 ? '<p class="empty">None.</p>' : `<div class="faces">${result.unclustered.map((id) => faceFigure(id, ctx)).join('')}</div>`}
</section>
</main>
</body>
</html>
`;
}

interface Ctx {
  facesById: Map<number, ResultFace>;
  uris: Map<number, string>;
  /** Timeline length, seconds (> 0). */
  span: number;
  duration: number;
}

function clusterCard(c: ClusterSummary, ctx: Ctx): string {
  const share = ctx.duration > 0 ? ` (${trimNumber((100 * c.screen_time_s) / ctx.duration, 1)}% of the video)` : '';
  const segs = c.segments.map(([a, b]) => {
    const left = pct(a / ctx.span);
    const width = pct(Math.max(0, b - a) / ctx.span);
    return `<span class="seg" style="left:${left}%;width:${width}%" title="${escapeHtml(`${formatClock(a)} – ${formatClock(b)}`)}"></span>`;
  });
  return `<section class="cluster" id="cluster-${escapeHtml(c.id)}">
<div class="head">
<img class="rep" src="${ctx.uris.get(c.representative)}" alt="${escapeHtml(`representative face ${c.representative}`)}">
<div>
<h2>Person #${escapeHtml(c.id)}</h2>
<dl>
${dt('Faces', escapeHtml(c.size))}
${dt('Screen time', escapeHtml(formatDuration(c.screen_time_s) + share))}
${dt('First seen', escapeHtml(formatClock(c.first_t)))}
${dt('Last seen', escapeHtml(formatClock(c.last_t)))}
${dt('Segments', escapeHtml(c.segments.length))}
</dl>
</div>
</div>
<div class="timeline" role="img" aria-label="${escapeHtml(`on screen in ${c.segments.length} ${c.segments.length === 1 ? 'segment' : 'segments'}`)}">${segs.join('')}</div>
<div class="faces">${c.faces.map((id) => faceFigure(id, ctx)).join('')}</div>
</section>`;
}

function faceFigure(id: number, ctx: Ctx): string {
  const f = ctx.facesById.get(id)!;
  const tip = `face ${f.id}, frame ${f.frame}, score ${trimNumber(f.score, 3)}`;
  return `<figure title="${escapeHtml(tip)}"><img src="${ctx.uris.get(id)}" alt="${escapeHtml(`face ${f.id}`)}" loading="lazy"><figcaption>${escapeHtml(formatClock(f.t))}</figcaption></figure>`;
}

async function dataUri(buf: Buffer, faceId: number): Promise<string> {
  let mime = imageMime(buf);
  if (!mime) {
    try {
      buf = await sharp(buf).png().toBuffer();
    } catch (e) {
      throw new KeycastError('INVALID_FILE', `thumbnail of face ${faceId} is not a readable image: ${(e as Error).message}`);
    }
    mime = 'image/png';
  }
  return `data:${mime};base64,${buf.toString('base64')}`;
}

function dt(term: string, html: string): string {
  return `<div><dt>${escapeHtml(term)}</dt><dd>${html}</dd></div>`;
}

function row(k: string, text: string): string {
  return `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(text)}</td></tr>`;
}

function paramText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return '';
  return JSON.stringify(v) ?? '';
}

function pct(x: number): string {
  return trimNumber(Math.min(100, Math.max(0, 100 * x)), 3);
}

const CSS = `
:root{color-scheme:light dark;--bg:#fafafa;--fg:#18181b;--muted:#71717a;--card:#fff;--line:#e4e4e7;--bar:#f4f4f5;--seg:#2563eb}
@media (prefers-color-scheme:dark){:root{--bg:#18181b;--fg:#f4f4f5;--muted:#a1a1aa;--card:#27272a;--line:#3f3f46;--bar:#3f3f46;--seg:#60a5fa}}
*{box-sizing:border-box}
body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;background:var(--bg);color:var(--fg)}
header,main{max-width:1200px;margin:0 auto;padding:16px}
h1{font-size:22px;margin:0 0 8px;overflow-wrap:anywhere}
h2{font-size:18px;margin:0 0 6px}
h2 small{color:var(--muted);font-weight:normal;font-size:14px}
dl{display:flex;flex-wrap:wrap;gap:4px 18px;margin:4px 0}
dl div{display:flex;gap:6px}
dt{color:var(--muted)}
dd{margin:0;overflow-wrap:anywhere}
details{margin-top:8px}
table.kv{border-collapse:collapse;margin:6px 12px 6px 0;display:inline-table;vertical-align:top}
table.kv th,table.kv td{text-align:left;padding:2px 10px 2px 0;border-bottom:1px solid var(--line);font-weight:normal}
table.kv th{color:var(--muted)}
.cluster,.unclustered{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px;margin:0 0 16px}
.head{display:flex;gap:14px;align-items:center}
.rep{width:112px;height:112px;object-fit:cover;border-radius:6px;flex:none}
.timeline{position:relative;height:14px;background:var(--bar);border-radius:3px;margin:10px 0;overflow:hidden}
.seg{position:absolute;top:0;bottom:0;min-width:2px;background:var(--seg)}
.faces{display:flex;flex-wrap:wrap;gap:6px}
figure{margin:0;width:72px;text-align:center}
figure img{width:72px;height:72px;object-fit:cover;border-radius:4px;display:block}
figcaption{font-size:11px;color:var(--muted)}
.empty{color:var(--muted)}
`;
