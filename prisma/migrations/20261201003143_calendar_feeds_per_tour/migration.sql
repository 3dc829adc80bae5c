-- AlterTable
ALTER TABLE "calendar_feeds" ADD COLUMN     "tour_id" UUID;

-- AddForeignKey
ALTER TABLE "calendar_feeds" ADD CONSTRAINT "calendar_feeds_tour_artist_fkey" FOREIGN KEY ("tour_id", "artist_id") REFERENCES "tours"("id", "artist_id") ON DELETE RESTRICT ON UPDATE RESTRICT;
