-- People: what users keep of a clustering (DESIGN.md "People and corrections"). A person belongs to
-- a tenant; the faces a user confirmed as theirs and the faces a user rejected from them are the
-- constraints of every clustering of the videos that hold those faces. Deleting a face (its video)
-- drops it from every person (ON DELETE CASCADE); deleting a person drops its constraints, never a face.

-- CreateTable
CREATE TABLE "people" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "name" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "people_pkey" PRIMARY KEY ("id")
);

-- A face is confirmed for one person at most: the face is the key. video_id is the face's (kept here
-- so a video's constraints are one index scan on the hot path of GET /videos/:id/clusters).
-- CreateTable
CREATE TABLE "person_faces" (
    "face_id" BIGINT NOT NULL,
    "person_id" UUID NOT NULL,
    "video_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "person_faces_pkey" PRIMARY KEY ("face_id")
);

-- CreateTable
CREATE TABLE "person_rejections" (
    "person_id" UUID NOT NULL,
    "face_id" BIGINT NOT NULL,
    "video_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "person_rejections_pkey" PRIMARY KEY ("person_id", "face_id")
);

-- Every edit of a person: who (the API key's id; no foreign key, so revoking or deleting a key keeps
-- the history), when, what (action and its details).
-- CreateTable
CREATE TABLE "person_events" (
    "id" BIGSERIAL NOT NULL,
    "person_id" UUID NOT NULL,
    "key_id" UUID,
    "action" TEXT NOT NULL,
    "detail" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "person_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "people_tenant_id_created_at_id_idx" ON "people"("tenant_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "person_faces_person_id_idx" ON "person_faces"("person_id");

-- CreateIndex
CREATE INDEX "person_faces_video_id_idx" ON "person_faces"("video_id");

-- CreateIndex
CREATE INDEX "person_rejections_face_id_idx" ON "person_rejections"("face_id");

-- CreateIndex
CREATE INDEX "person_rejections_video_id_idx" ON "person_rejections"("video_id");

-- CreateIndex
CREATE INDEX "person_events_person_id_id_idx" ON "person_events"("person_id", "id");

-- AddForeignKey
ALTER TABLE "people" ADD CONSTRAINT "people_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "person_faces" ADD CONSTRAINT "person_faces_face_id_fkey" FOREIGN KEY ("face_id") REFERENCES "faces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "person_faces" ADD CONSTRAINT "person_faces_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "people"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "person_faces" ADD CONSTRAINT "person_faces_video_id_fkey" FOREIGN KEY ("video_id") REFERENCES "videos"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "person_rejections" ADD CONSTRAINT "person_rejections_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "people"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "person_rejections" ADD CONSTRAINT "person_rejections_face_id_fkey" FOREIGN KEY ("face_id") REFERENCES "faces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "person_rejections" ADD CONSTRAINT "person_rejections_video_id_fkey" FOREIGN KEY ("video_id") REFERENCES "videos"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "person_events" ADD CONSTRAINT "person_events_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "people"("id") ON DELETE CASCADE ON UPDATE CASCADE;
