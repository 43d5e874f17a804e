-- Face quality features measured at extraction (libs/vision/face-quality.ts), used by the quality
-- weighting of the clustering. Nullable: faces stored before this migration keep NULL, which the
-- clustering treats as neutral quality (the face and clothing halves count as their weights say).

-- AlterTable
ALTER TABLE "faces" ADD COLUMN "sharpness" DOUBLE PRECISION,
ADD COLUMN "yaw" DOUBLE PRECISION;
