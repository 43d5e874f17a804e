-- CreateEnum
CREATE TYPE "video_status" AS ENUM ('queued', 'processing', 'ready', 'failed');

-- CreateTable
CREATE TABLE "videos" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "status" "video_status" NOT NULL DEFAULT 'queued',
    "progress" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "options" JSONB NOT NULL,
    "error_code" TEXT,
    "error_message" TEXT,
    "timings" JSONB NOT NULL DEFAULT '{}',
    "owner" TEXT,
    "callback_url" TEXT,
    "filename" TEXT,
    "source_key" TEXT NOT NULL,
    "size_bytes" BIGINT NOT NULL DEFAULT 0,
    "probe" JSONB,
    "duration_s" DOUBLE PRECISION,
    "face_count" INTEGER NOT NULL DEFAULT 0,
    "frame_count" INTEGER NOT NULL DEFAULT 0,
    "segment_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "videos_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "faces" (
    "id" BIGSERIAL NOT NULL,
    "video_id" UUID NOT NULL,
    "frame" INTEGER NOT NULL,
    "k" INTEGER NOT NULL,
    "t" DOUBLE PRECISION NOT NULL,
    "x" DOUBLE PRECISION NOT NULL,
    "y" DOUBLE PRECISION NOT NULL,
    "w" DOUBLE PRECISION NOT NULL,
    "h" DOUBLE PRECISION NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "face_vec" BYTEA NOT NULL,
    "cloth_vec" BYTEA NOT NULL,
    "thumb_key" TEXT NOT NULL,
    "body_key" TEXT NOT NULL,

    CONSTRAINT "faces_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "linkages" (
    "id" BIGSERIAL NOT NULL,
    "video_id" UUID NOT NULL,
    "weights" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "z" BYTEA NOT NULL,
    "max_dist" DOUBLE PRECISION NOT NULL,
    "n" INTEGER NOT NULL,
    "compute_ms" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "linkages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "segments" (
    "video_id" UUID NOT NULL,
    "idx" INTEGER NOT NULL,
    "start_s" DOUBLE PRECISION NOT NULL,
    "end_s" DOUBLE PRECISION NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "progress" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "frames" INTEGER NOT NULL DEFAULT 0,
    "faces" INTEGER NOT NULL DEFAULT 0,
    "timings" JSONB NOT NULL DEFAULT '{}',
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "segments_pkey" PRIMARY KEY ("video_id","idx")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" BIGSERIAL NOT NULL,
    "video_id" UUID NOT NULL,
    "event_id" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "status_code" INTEGER,
    "error" TEXT,
    "duration_ms" DOUBLE PRECISION,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "videos_created_at_id_idx" ON "videos"("created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "videos_owner_created_at_idx" ON "videos"("owner", "created_at" DESC);

-- CreateIndex
CREATE INDEX "faces_video_id_t_frame_k_idx" ON "faces"("video_id", "t", "frame", "k");

-- CreateIndex
CREATE UNIQUE INDEX "faces_video_id_frame_k_key" ON "faces"("video_id", "frame", "k");

-- CreateIndex
CREATE UNIQUE INDEX "linkages_video_id_weights_method_key" ON "linkages"("video_id", "weights", "method");

-- CreateIndex
CREATE INDEX "webhook_deliveries_video_id_created_at_idx" ON "webhook_deliveries"("video_id", "created_at");

-- AddForeignKey
ALTER TABLE "faces" ADD CONSTRAINT "faces_video_id_fkey" FOREIGN KEY ("video_id") REFERENCES "videos"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "linkages" ADD CONSTRAINT "linkages_video_id_fkey" FOREIGN KEY ("video_id") REFERENCES "videos"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "segments" ADD CONSTRAINT "segments_video_id_fkey" FOREIGN KEY ("video_id") REFERENCES "videos"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_video_id_fkey" FOREIGN KEY ("video_id") REFERENCES "videos"("id") ON DELETE CASCADE ON UPDATE CASCADE;
