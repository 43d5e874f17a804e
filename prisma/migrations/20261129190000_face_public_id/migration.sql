-- Faces are biometric data: the API names a face by a random public id (a v4 UUID), never by the
-- sequential key, so one tenant cannot walk another's faces by counting. The bigint key stays internal
-- (cluster reports, linkage indices). Existing faces get their public id here.

-- AlterTable
ALTER TABLE "faces" ADD COLUMN "public_id" UUID NOT NULL DEFAULT gen_random_uuid();

-- CreateIndex
CREATE UNIQUE INDEX "faces_public_id_key" ON "faces"("public_id");
