-- CreateEnum
CREATE TYPE "AvailabilityStatus" AS ENUM ('available', 'tentative', 'blocked');

-- CreateEnum
CREATE TYPE "BookingRequestStatus" AS ENUM ('open', 'negotiating', 'held', 'booked', 'declined', 'withdrawn', 'released', 'expired');

-- CreateEnum
CREATE TYPE "DealType" AS ENUM ('flat', 'versus', 'percentage');

-- CreateEnum
CREATE TYPE "OfferStatus" AS ENUM ('open', 'accepted', 'countered', 'declined', 'withdrawn', 'expired');

-- CreateEnum
CREATE TYPE "BookingSide" AS ENUM ('agency', 'promoter');

-- CreateEnum
CREATE TYPE "HoldStatus" AS ENUM ('active', 'confirmed', 'released', 'expired');

-- CreateEnum
CREATE TYPE "BookingStatus" AS ENUM ('confirmed', 'cancelled');

-- CreateTable
CREATE TABLE "artist_availabilities" (
    "id" UUID NOT NULL,
    "artist_id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "starts_on" DATE NOT NULL,
    "ends_on" DATE NOT NULL,
    "status" "AvailabilityStatus" NOT NULL,
    "country_id" UUID,
    "fee_min" INTEGER,
    "fee_max" INTEGER,
    "currency" CHAR(3),
    "notes" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "artist_availabilities_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "booking_requests" (
    "id" UUID NOT NULL,
    "artist_id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "promoter_org_id" UUID NOT NULL,
    "requested_by_user_id" UUID NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "venue_id" UUID,
    "venue_name" TEXT,
    "city" TEXT,
    "country_code" CHAR(2),
    "budget" INTEGER,
    "currency" CHAR(3),
    "deal_type" "DealType",
    "message" TEXT,
    "status" "BookingRequestStatus" NOT NULL DEFAULT 'open',
    "expires_at" TIMESTAMPTZ(3),
    "closed_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "booking_requests_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "booking_offers" (
    "id" UUID NOT NULL,
    "request_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "made_by" "BookingSide" NOT NULL,
    "made_by_user_id" UUID NOT NULL,
    "fee" INTEGER,
    "currency" CHAR(3) NOT NULL,
    "deal_type" "DealType" NOT NULL,
    "percentage" INTEGER,
    "deposit" INTEGER,
    "hold_days" INTEGER NOT NULL DEFAULT 7,
    "terms" TEXT,
    "expires_at" TIMESTAMPTZ(3),
    "status" "OfferStatus" NOT NULL DEFAULT 'open',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "booking_offers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "booking_holds" (
    "id" UUID NOT NULL,
    "request_id" UUID NOT NULL,
    "offer_id" UUID NOT NULL,
    "artist_id" UUID NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "priority" INTEGER NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "status" "HoldStatus" NOT NULL DEFAULT 'active',
    "released_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "booking_holds_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bookings" (
    "id" UUID NOT NULL,
    "request_id" UUID NOT NULL,
    "offer_id" UUID NOT NULL,
    "hold_id" UUID NOT NULL,
    "artist_id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "promoter_org_id" UUID NOT NULL,
    "venue_id" UUID,
    "venue_name" TEXT,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "fee" INTEGER,
    "currency" CHAR(3) NOT NULL,
    "deal_type" "DealType" NOT NULL,
    "percentage" INTEGER,
    "deposit" INTEGER,
    "status" "BookingStatus" NOT NULL DEFAULT 'confirmed',
    "cancelled_at" TIMESTAMPTZ(3),
    "cancel_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bookings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "booking_activity" (
    "id" UUID NOT NULL,
    "request_id" UUID NOT NULL,
    "subject" TEXT NOT NULL,
    "subject_id" UUID NOT NULL,
    "action" TEXT NOT NULL,
    "from_status" TEXT,
    "to_status" TEXT NOT NULL,
    "actor_type" TEXT NOT NULL,
    "actor_user_id" TEXT,
    "actor_org_id" UUID,
    "note" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "booking_activity_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_records" (
    "id" UUID NOT NULL,
    "scope" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "status_code" INTEGER,
    "body" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_records_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "artist_availabilities_artist_id_starts_on_idx" ON "artist_availabilities"("artist_id", "starts_on");

-- CreateIndex
CREATE INDEX "booking_requests_agency_id_status_created_at_idx" ON "booking_requests"("agency_id", "status", "created_at");

-- CreateIndex
CREATE INDEX "booking_requests_promoter_org_id_status_created_at_idx" ON "booking_requests"("promoter_org_id", "status", "created_at");

-- CreateIndex
CREATE INDEX "booking_requests_artist_id_starts_at_idx" ON "booking_requests"("artist_id", "starts_at");

-- CreateIndex
CREATE UNIQUE INDEX "booking_offers_request_id_version_key" ON "booking_offers"("request_id", "version");

-- CreateIndex
CREATE INDEX "booking_holds_artist_id_status_starts_at_idx" ON "booking_holds"("artist_id", "status", "starts_at");

-- CreateIndex
CREATE UNIQUE INDEX "bookings_request_id_key" ON "bookings"("request_id");

-- CreateIndex
CREATE UNIQUE INDEX "bookings_offer_id_key" ON "bookings"("offer_id");

-- CreateIndex
CREATE UNIQUE INDEX "bookings_hold_id_key" ON "bookings"("hold_id");

-- CreateIndex
CREATE INDEX "bookings_artist_id_starts_at_idx" ON "bookings"("artist_id", "starts_at");

-- CreateIndex
CREATE INDEX "bookings_agency_id_starts_at_idx" ON "bookings"("agency_id", "starts_at");

-- CreateIndex
CREATE INDEX "bookings_promoter_org_id_starts_at_idx" ON "bookings"("promoter_org_id", "starts_at");

-- CreateIndex
CREATE INDEX "booking_activity_request_id_created_at_idx" ON "booking_activity"("request_id", "created_at");

-- CreateIndex
CREATE INDEX "idempotency_records_created_at_idx" ON "idempotency_records"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "idempotency_records_scope_key_key" ON "idempotency_records"("scope", "key");

-- AddForeignKey
ALTER TABLE "artist_availabilities" ADD CONSTRAINT "artist_availabilities_artist_id_fkey" FOREIGN KEY ("artist_id") REFERENCES "artists"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artist_availabilities" ADD CONSTRAINT "artist_availabilities_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "artists_companies"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artist_availabilities" ADD CONSTRAINT "artist_availabilities_country_id_fkey" FOREIGN KEY ("country_id") REFERENCES "geo_countries"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_requests" ADD CONSTRAINT "booking_requests_artist_id_fkey" FOREIGN KEY ("artist_id") REFERENCES "artists"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_requests" ADD CONSTRAINT "booking_requests_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "artists_companies"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_offers" ADD CONSTRAINT "booking_offers_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "booking_requests"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_holds" ADD CONSTRAINT "booking_holds_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "booking_requests"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_holds" ADD CONSTRAINT "booking_holds_offer_id_fkey" FOREIGN KEY ("offer_id") REFERENCES "booking_offers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_holds" ADD CONSTRAINT "booking_holds_artist_id_fkey" FOREIGN KEY ("artist_id") REFERENCES "artists"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "booking_requests"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_offer_id_fkey" FOREIGN KEY ("offer_id") REFERENCES "booking_offers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_hold_id_fkey" FOREIGN KEY ("hold_id") REFERENCES "booking_holds"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_artist_id_fkey" FOREIGN KEY ("artist_id") REFERENCES "artists"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "artists_companies"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_activity" ADD CONSTRAINT "booking_activity_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "booking_requests"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)

-- Availability: windows of one artist never overlap; coherent dates and fee guidance.
ALTER TABLE "artist_availabilities" ADD CONSTRAINT "artist_availabilities_dates_chk" CHECK ("ends_on" >= "starts_on");
ALTER TABLE "artist_availabilities" ADD CONSTRAINT "artist_availabilities_fees_chk" CHECK (
  ("fee_min" IS NULL OR "fee_min" >= 0) AND ("fee_max" IS NULL OR "fee_max" >= 0)
  AND ("fee_min" IS NULL OR "fee_max" IS NULL OR "fee_min" <= "fee_max")
  AND (("fee_min" IS NULL AND "fee_max" IS NULL) OR "currency" ~ '^[A-Z]{3}$')
);
ALTER TABLE "artist_availabilities" ADD CONSTRAINT "artist_availabilities_no_overlap"
  EXCLUDE USING gist ("artist_id" WITH =, daterange("starts_on", "ends_on", '[]') WITH &&);

-- Booking pipeline: coherent times and terms.
ALTER TABLE "booking_requests" ADD CONSTRAINT "booking_requests_times_chk" CHECK ("ends_at" > "starts_at");
ALTER TABLE "booking_holds" ADD CONSTRAINT "booking_holds_times_chk" CHECK ("ends_at" > "starts_at");
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_times_chk" CHECK ("ends_at" > "starts_at");
ALTER TABLE "booking_offers" ADD CONSTRAINT "booking_offers_terms_chk" CHECK (
  "currency" ~ '^[A-Z]{3}$'
  AND ("fee" IS NULL OR "fee" >= 0) AND ("deposit" IS NULL OR "deposit" >= 0)
  AND ("deal_type" = 'flat') = ("percentage" IS NULL)
  AND ("percentage" IS NULL OR "percentage" BETWEEN 1 AND 100)
  AND ("deal_type" = 'percentage' OR "fee" IS NOT NULL)
);

-- Only the latest offer of a negotiation is open; a request has at most one active hold.
CREATE UNIQUE INDEX "booking_offers_open_uniq" ON "booking_offers" ("request_id") WHERE "status" = 'open';
CREATE UNIQUE INDEX "booking_holds_active_uniq" ON "booking_holds" ("request_id") WHERE "status" = 'active';

-- No double booking: two confirmed bookings of one artist never overlap in time.
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_no_double_booking"
  EXCLUDE USING gist ("artist_id" WITH =, tstzrange("starts_at", "ends_at", '[)') WITH &&) WHERE ("status" = 'confirmed');

-- Booking history is append-only.
CREATE TRIGGER "booking_activity_append_only" BEFORE UPDATE OR DELETE ON "booking_activity"
  FOR EACH ROW EXECUTE FUNCTION "artists_append_only"();
