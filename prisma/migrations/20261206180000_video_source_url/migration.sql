-- Videos given by URL (POST /videos {"url"}): the worker downloads them first. `downloading` comes before
-- `queued`; source_url is what the worker fetches (it may carry a signature: read by the download job only,
-- never presented or logged, and cleared once the download ends either way); source_host is all the API shows
-- of it; download_bytes / download_total are the progress (total null when the server did not say).

-- AlterEnum (a new value is not used in this transaction: PostgreSQL allows adding it here)
ALTER TYPE "video_status" ADD VALUE IF NOT EXISTS 'downloading' BEFORE 'queued';

-- AlterTable
ALTER TABLE "videos"
  ADD COLUMN "source_url" TEXT,
  ADD COLUMN "source_host" TEXT,
  ADD COLUMN "download_bytes" BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN "download_total" BIGINT;
