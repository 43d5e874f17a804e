-- The linkage cache key becomes a typed value with its own columns (libs/flow LinkageKey): `shape`, the tree-shaping
-- options as libs/config treeShape gives them (JSONB, compared whole), and `people`, the fingerprint of the people's
-- constraints the tree was built under (NULL: none). They replace `weights` ("1,1") and `method`, which held the
-- variant as text ("average+units+quality+cannot_link+shots+people:<fp>") and was cleared by substring.
--
-- Existing rows are migrated, not dropped: they are a cache, but a dropped tree of a large video is an HAC of
-- minutes that the next request would queue again (202), and the text variant maps onto the new key exactly
-- ("+units" = keycast's flow; each tag = a switch that is on; the method is its first part).

-- AlterTable
ALTER TABLE "linkages" ADD COLUMN "shape" JSONB, ADD COLUMN "people" TEXT;

UPDATE "linkages" SET
  "people" = NULLIF(split_part("method", '+people:', 2), ''),
  "shape" = jsonb_strip_nulls(jsonb_build_object(
    'flow', CASE WHEN split_part("method", '+people:', 1) LIKE '%+units%' THEN 'units' ELSE 'reference' END,
    'face_cloth_weights', ('[' || "weights" || ']')::jsonb,
    'method', split_part("method", '+', 1),
    'quality_weighting', CASE WHEN '+' || split_part("method", '+people:', 1) || '+' LIKE '%+quality+%' THEN true END,
    'cannot_link', CASE WHEN '+' || split_part("method", '+people:', 1) || '+' LIKE '%+cannot_link+%' THEN true END,
    'tracks', CASE WHEN '+' || split_part("method", '+people:', 1) || '+' LIKE '%+tracks+%' THEN true END,
    'shot_aware', CASE WHEN '+' || split_part("method", '+people:', 1) || '+' LIKE '%+shots+%' THEN true END
  ));

ALTER TABLE "linkages" ALTER COLUMN "shape" SET NOT NULL;

-- DropIndex
DROP INDEX "linkages_video_id_weights_method_key";

-- AlterTable
ALTER TABLE "linkages" DROP COLUMN "weights", DROP COLUMN "method";

-- CreateIndex: one tree per (video, people, shape), an unconstrained one included (NULLS NOT DISTINCT, PostgreSQL 15+);
-- its prefix (video_id, people) serves the invalidation of a video's constrained trees.
CREATE UNIQUE INDEX "linkages_video_id_people_shape_key" ON "linkages"("video_id", "people", "shape") NULLS NOT DISTINCT;
