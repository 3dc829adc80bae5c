-- Itinerary items on a tour day: an item belongs to exactly one of a booking or a tour stop (of its tour).
-- AlterTable
ALTER TABLE "itinerary_items" ADD COLUMN     "tour_id" UUID,
ADD COLUMN     "tour_stop_id" UUID,
ALTER COLUMN "booking_id" DROP NOT NULL;

-- CreateIndex
CREATE INDEX "itinerary_items_tour_id_day_on_starts_at_idx" ON "itinerary_items"("tour_id", "day_on", "starts_at");

-- CreateIndex
CREATE INDEX "itinerary_items_tour_stop_id_idx" ON "itinerary_items"("tour_stop_id");

-- CreateIndex
CREATE UNIQUE INDEX "tour_stops_id_tour_uniq" ON "tour_stops"("id", "tour_id");

-- AddForeignKey
ALTER TABLE "itinerary_items" ADD CONSTRAINT "itinerary_items_tour_stop_fkey" FOREIGN KEY ("tour_stop_id", "tour_id") REFERENCES "tour_stops"("id", "tour_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- Exactly one owner; a stop's item always names the stop's tour too (the composite key above checks the pair).
ALTER TABLE "itinerary_items" ADD CONSTRAINT "itinerary_items_owner_chk"
  CHECK (num_nonnulls("booking_id", "tour_stop_id") = 1 AND ("tour_stop_id" IS NULL) = ("tour_id" IS NULL));

-- A tour is the artist side's: a tour day's items are never shared with a promoter.
ALTER TABLE "itinerary_items" ADD CONSTRAINT "itinerary_items_tour_visibility_chk"
  CHECK ("tour_stop_id" IS NULL OR "visibility" = 'artist_side');
