-- AlterTable
ALTER TABLE "artist_representation_events" ADD COLUMN     "seq" SERIAL NOT NULL;

-- AlterTable
ALTER TABLE "booking_activity" ADD COLUMN     "seq" SERIAL NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "artist_representation_events_seq_key" ON "artist_representation_events"("seq");

-- CreateIndex
CREATE UNIQUE INDEX "booking_activity_seq_key" ON "booking_activity"("seq");
