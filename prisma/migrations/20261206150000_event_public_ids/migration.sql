-- Public answers carry public ids only (issue 20): a person's history events and a video's webhook delivery
-- attempts were shown by their bigint serial, which counts every tenant's edits and deliveries. Each gets a random
-- public id (a v4 UUID), as faces did; the serial stays the internal key and the order.

-- AlterTable
ALTER TABLE "person_events" ADD COLUMN "public_id" UUID NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE "webhook_deliveries" ADD COLUMN "public_id" UUID NOT NULL DEFAULT gen_random_uuid();

-- CreateIndex
CREATE UNIQUE INDEX "person_events_public_id_key" ON "person_events"("public_id");
CREATE UNIQUE INDEX "webhook_deliveries_public_id_key" ON "webhook_deliveries"("public_id");
