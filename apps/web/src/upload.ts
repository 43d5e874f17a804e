import type { PostVideosResponse } from '../../../libs/sdk/index.js';
import { ApiProblem, problemOf, UNREACHABLE_MESSAGE } from './api.js';

export interface UploadOptions {
  captureIntervalSec: number | null;
  useSceneTransition: boolean;
}

/**
 * POST /videos with a progress callback for the transfer. fetch() reports no upload progress, so this one call uses
 * XMLHttpRequest; its form and answer are the SDK's types (PostVideosData / PostVideosResponse), and its errors
 * become the same ApiProblem as every other call.
 */
export function uploadVideo(key: string, file: File, opts: UploadOptions, onProgress: (fraction: number) => void): Promise<PostVideosResponse> {
  const form = new FormData();
  // Options first: the API reads fields before the file streams past.
  if (opts.captureIntervalSec !== null) form.append('capture_interval_sec', String(opts.captureIntervalSec));
  if (opts.useSceneTransition) form.append('use_scene_transition', 'true');
  form.append('file', file, file.name);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/videos');
    xhr.setRequestHeader('Authorization', `Bearer ${key}`);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiProblem('unreachable', 'UNREACHABLE', UNREACHABLE_MESSAGE));
    xhr.onload = () => {
      if (xhr.status === 202) {
        onProgress(1);
        resolve(xhr.response as PostVideosResponse);
        return;
      }
      try {
        problemOf(xhr.status, xhr.response);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    };
    xhr.send(form);
  });
}
