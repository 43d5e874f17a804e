-- The shot of each face (libs/media Frame.shot: the frame index where its shot starts), recorded at
-- extraction so that shot-aware clustering re-clusters without decoding. Nullable: faces stored before
-- this migration keep NULL, an unknown shot, which the clustering treats as it did before (clothing counts).

-- AlterTable
ALTER TABLE "faces" ADD COLUMN "shot" INTEGER;
