import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { finished } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { KeycastError } from '../config/index.js';

/** No space (ENOSPC) or quota (EDQUOT) left: the service's disk, not the client's request, is at fault. */
function storageFull(e: unknown): KeycastError | null {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT'
    ? new KeycastError('STORAGE_FULL', 'no space left in file storage for this upload; nothing of it was kept')
    : null;
}

/**
 * Files of the service under one root directory, addressed by keys (relative POSIX paths):
 *   videos/<video id>/source<.ext>            the upload
 *   videos/<video id>/faces/<frame>_<k>.jpg   face thumbnail
 *   videos/<video id>/bodies/<frame>_<k>.jpg  upper-body crop
 * A video's files all live under videos/<id>/, so deleting a video is one recursive remove.
 */
export class FileStorage {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Absolute path of a key; refuses keys that leave the root. */
  path(key: string): string {
    const p = resolve(this.root, key);
    if (p !== this.root && !p.startsWith(this.root + sep)) throw new Error(`storage key escapes the root: ${key}`);
    return p;
  }

  videoDir(videoId: string): string {
    return `videos/${videoId}`;
  }

  sourceKey(videoId: string, filename?: string): string {
    const ext = filename
      ? extname(filename)
          .toLowerCase()
          .replace(/[^.a-z0-9]/g, '')
          .slice(0, 10)
      : '';
    return `videos/${videoId}/source${ext}`;
  }

  thumbKey(videoId: string, frame: number, k: number): string {
    return `videos/${videoId}/faces/${frame}_${k}.jpg`;
  }

  bodyKey(videoId: string, frame: number, k: number): string {
    return `videos/${videoId}/bodies/${frame}_${k}.jpg`;
  }

  /**
   * Streams `source` to `key` (via a temporary name, renamed at the end, so a reader never sees half a file).
   * On any error (including a size limit the caller enforces by destroying the stream) the partial file is removed;
   * a full disk is reported as KeycastError STORAGE_FULL.
   *
   * When writing fails, `source` is left readable (not destroyed, as `pipeline` would): its data is then dropped as it
   * arrives, so the caller can read the rest of a request and answer it. A destroyed multipart file stream stalls the
   * parser, and the upload would hang until a timeout.
   */
  async writeStream(key: string, source: Readable): Promise<number> {
    const dest = this.path(key);
    await mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.${randomUUID()}.part`;
    let bytes = 0;
    // A stream that failed while we waited (a multipart body cut short) emits nothing more: piping it would wait forever.
    if (source.destroyed) throw source.errored ?? new Error('the upload stream closed before it was stored');
    source.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    try {
      const sink = createWriteStream(tmp);
      const written = finished(sink);
      source.once('error', (e) => sink.destroy(e));
      sink.once('error', () => {
        source.unpipe(sink);
        source.resume();
      });
      source.pipe(sink);
      await written;
      await rename(tmp, dest);
    } catch (e) {
      await rm(tmp, { force: true });
      throw storageFull(e) ?? e;
    }
    return bytes;
  }

  /** Writes a whole small file atomically (write to a temp name, rename): re-writing the same key is harmless. */
  async write(key: string, data: Uint8Array): Promise<void> {
    const dest = this.path(key);
    await mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.${randomUUID()}.part`;
    await writeFile(tmp, data);
    await rename(tmp, dest);
  }

  read(key: string): Promise<Buffer> {
    return readFile(this.path(key));
  }

  async exists(key: string): Promise<boolean> {
    try {
      await stat(this.path(key));
      return true;
    } catch {
      return false;
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { recursive: true, force: true });
  }

  /** Removes every file of a video. */
  removeVideo(videoId: string): Promise<void> {
    return this.remove(this.videoDir(videoId));
  }

  /** How many files a video has in storage and their bytes (what a deletion report counts). */
  async videoUsage(videoId: string): Promise<{ files: number; bytes: number }> {
    let files = 0;
    let bytes = 0;
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else {
          files++;
          bytes += (await stat(p).catch(() => ({ size: 0 }))).size;
        }
      }
    };
    await walk(this.path(this.videoDir(videoId)));
    return { files, bytes };
  }
}
