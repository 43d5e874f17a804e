-- How each face's descriptor was made (libs/vision descriptor-version.ts): descriptors of different chips are
-- different features and are never compared (search, suggestions, people's exemplars are per version).
-- Every face stored before this migration was described on face-api's chips: version 1, the default.
-- chip: the chip of this face ('face-api' or 'dlib'; in version 2 it varies face by face); NULL before.

-- AlterTable
ALTER TABLE "faces" ADD COLUMN "descriptor_version" SMALLINT NOT NULL DEFAULT 1,
ADD COLUMN "chip" TEXT;
