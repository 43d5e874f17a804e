export { downloadToFile, urlHost, MAX_REDIRECTS, type DownloadOptions, type DownloadProgress, type DownloadResult, type DownloadRetry } from './download.js';
