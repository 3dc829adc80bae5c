-- CreateEnum
CREATE TYPE "ItineraryKind" AS ENUM ('lobby_call', 'travel_ground', 'travel_air', 'travel_rail', 'hotel_checkin', 'hotel_checkout', 'load_in', 'soundcheck', 'doors', 'set', 'curfew', 'load_out', 'meal', 'press', 'other');

-- CreateEnum
CREATE TYPE "ItineraryVisibility" AS ENUM ('artist_side', 'shared');

-- CreateEnum
CREATE TYPE "LogisticsCategory" AS ENUM ('hotel', 'hospitality', 'technical', 'transport', 'ground', 'flight', 'catering', 'guest_list', 'other');

-- CreateEnum
CREATE TYPE "LogisticsStatus" AS ENUM ('draft', 'submitted', 'changes_requested', 'approved', 'rejected', 'withdrawn', 'superseded');

-- CreateTable
CREATE TABLE "itinerary_items" (
    "id" UUID NOT NULL,
    "booking_id" UUID NOT NULL,
    "day_on" DATE NOT NULL,
    "kind" "ItineraryKind" NOT NULL,
    "title" TEXT NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3),
    "timezone" TEXT NOT NULL,
    "location" TEXT,
    "notes" TEXT,
    "confirmed" BOOLEAN NOT NULL DEFAULT false,
    "visibility" "ItineraryVisibility" NOT NULL DEFAULT 'artist_side',
    "source_submission_id" UUID,
    "created_by_org_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "itinerary_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "logistics_submissions" (
    "id" UUID NOT NULL,
    "booking_id" UUID NOT NULL,
    "category" "LogisticsCategory" NOT NULL,
    "subject_key" TEXT NOT NULL,
    "status" "LogisticsStatus" NOT NULL DEFAULT 'draft',
    "current_version" INTEGER NOT NULL,
    "respond_by" TIMESTAMPTZ(3),
    "submitted_by_org_id" UUID NOT NULL,
    "submitted_by_user_id" TEXT NOT NULL,
    "submitted_at" TIMESTAMPTZ(3),
    "decided_by_org_id" UUID,
    "decided_by_user_id" TEXT,
    "decided_side" TEXT,
    "decision_note" TEXT,
    "decided_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "logistics_submissions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "logistics_submission_versions" (
    "id" UUID NOT NULL,
    "submission_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "payload" JSONB NOT NULL,
    "payload_hash" TEXT NOT NULL,
    "change_note" TEXT,
    "created_by_user_id" TEXT NOT NULL,
    "created_by_org_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "logistics_submission_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "logistics_events" (
    "id" UUID NOT NULL,
    "seq" SERIAL NOT NULL,
    "submission_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "from_status" TEXT,
    "to_status" TEXT NOT NULL,
    "actor_type" TEXT NOT NULL,
    "actor_user_id" TEXT,
    "actor_org_id" UUID,
    "actor_side" TEXT,
    "note" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "logistics_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "calendar_feeds" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "side" "BookingSide" NOT NULL,
    "agency_id" UUID,
    "artist_id" UUID NOT NULL,
    "name" TEXT,
    "token_hash" TEXT NOT NULL,
    "include_financials" BOOLEAN NOT NULL DEFAULT false,
    "revoked_at" TIMESTAMPTZ(3),
    "rotated_at" TIMESTAMPTZ(3),
    "last_fetched_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "calendar_feeds_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "itinerary_items_booking_id_day_on_starts_at_idx" ON "itinerary_items"("booking_id", "day_on", "starts_at");

-- CreateIndex
CREATE INDEX "itinerary_items_source_submission_id_idx" ON "itinerary_items"("source_submission_id");

-- CreateIndex
CREATE INDEX "logistics_submissions_booking_id_category_idx" ON "logistics_submissions"("booking_id", "category");

-- CreateIndex
CREATE INDEX "logistics_submissions_status_respond_by_idx" ON "logistics_submissions"("status", "respond_by");

-- CreateIndex
CREATE UNIQUE INDEX "logistics_submission_versions_submission_id_version_key" ON "logistics_submission_versions"("submission_id", "version");

-- CreateIndex
CREATE UNIQUE INDEX "logistics_events_seq_key" ON "logistics_events"("seq");

-- CreateIndex
CREATE INDEX "logistics_events_submission_id_seq_idx" ON "logistics_events"("submission_id", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "calendar_feeds_token_hash_key" ON "calendar_feeds"("token_hash");

-- CreateIndex
CREATE INDEX "calendar_feeds_org_id_created_at_idx" ON "calendar_feeds"("org_id", "created_at");

-- AddForeignKey
ALTER TABLE "itinerary_items" ADD CONSTRAINT "itinerary_items_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "bookings"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "itinerary_items" ADD CONSTRAINT "itinerary_items_source_submission_id_fkey" FOREIGN KEY ("source_submission_id") REFERENCES "logistics_submissions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "logistics_submissions" ADD CONSTRAINT "logistics_submissions_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "bookings"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "logistics_submission_versions" ADD CONSTRAINT "logistics_submission_versions_submission_id_fkey" FOREIGN KEY ("submission_id") REFERENCES "logistics_submissions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "logistics_events" ADD CONSTRAINT "logistics_events_submission_id_fkey" FOREIGN KEY ("submission_id") REFERENCES "logistics_submissions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "calendar_feeds" ADD CONSTRAINT "calendar_feeds_artist_id_fkey" FOREIGN KEY ("artist_id") REFERENCES "artists"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)

ALTER TABLE "itinerary_items" ADD CONSTRAINT "itinerary_items_times_chk" CHECK ("ends_at" IS NULL OR "ends_at" >= "starts_at");

-- One open submission per (booking, category, subject), and one approved: the next approval supersedes it in its transaction.
CREATE UNIQUE INDEX "logistics_submissions_open_uniq" ON "logistics_submissions" ("booking_id", "category", "subject_key")
  WHERE "status" IN ('draft', 'submitted', 'changes_requested');
CREATE UNIQUE INDEX "logistics_submissions_approved_uniq" ON "logistics_submissions" ("booking_id", "category", "subject_key")
  WHERE "status" = 'approved';
-- The review inbox reads submissions waiting for the artist side.
CREATE INDEX "logistics_submissions_waiting_idx" ON "logistics_submissions" ("booking_id", "respond_by") WHERE "status" = 'submitted';
-- A decision (who, when, which side) is on the row exactly while the status is one a decision made.
ALTER TABLE "logistics_submissions" ADD CONSTRAINT "logistics_submissions_decision_chk" CHECK (
  ("status" IN ('approved', 'rejected', 'changes_requested', 'superseded')) = ("decided_at" IS NOT NULL AND "decided_side" IS NOT NULL));
ALTER TABLE "logistics_submissions" ADD CONSTRAINT "logistics_submissions_version_chk" CHECK ("current_version" >= 1);
ALTER TABLE "logistics_submission_versions" ADD CONSTRAINT "logistics_submission_versions_hash_chk" CHECK ("payload_hash" ~ '^[0-9a-f]{64}$');
ALTER TABLE "calendar_feeds" ADD CONSTRAINT "calendar_feeds_token_hash_chk" CHECK ("token_hash" ~ '^[0-9a-f]{64}$');
ALTER TABLE "calendar_feeds" ADD CONSTRAINT "calendar_feeds_side_chk" CHECK (("side" = 'agency') = ("agency_id" IS NOT NULL));

CREATE TRIGGER "logistics_submission_versions_append_only" BEFORE UPDATE OR DELETE ON "logistics_submission_versions"
  FOR EACH ROW EXECUTE FUNCTION "artists_append_only"();
CREATE TRIGGER "logistics_events_append_only" BEFORE UPDATE OR DELETE ON "logistics_events"
  FOR EACH ROW EXECUTE FUNCTION "artists_append_only"();
