-- CreateEnum
CREATE TYPE "TourStatus" AS ENUM ('draft', 'confirmed', 'cancelled', 'archived');

-- CreateEnum
CREATE TYPE "RadiusClauseHandling" AS ENUM ('ignore', 'warning', 'error');

-- CreateEnum
CREATE TYPE "TourStopKind" AS ENUM ('show', 'pencil', 'day_off', 'travel', 'rehearsal', 'promo');

-- CreateTable
CREATE TABLE "tours" (
    "id" UUID NOT NULL,
    "artist_id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "status" "TourStatus" NOT NULL DEFAULT 'draft',
    "starts_on" DATE NOT NULL,
    "ends_on" DATE NOT NULL,
    "home_city_id" UUID,
    "max_leg_km" INTEGER,
    "max_drive_minutes" INTEGER,
    "max_consecutive_shows" INTEGER,
    "avg_speed_kmh" INTEGER NOT NULL DEFAULT 75,
    "detour_factor" DOUBLE PRECISION NOT NULL DEFAULT 1.25,
    "load_in_minutes" INTEGER NOT NULL DEFAULT 180,
    "radius_clause" "RadiusClauseHandling" NOT NULL DEFAULT 'warning',
    "cancel_reason" TEXT,
    "confirmed_at" TIMESTAMPTZ(3),
    "cancelled_at" TIMESTAMPTZ(3),
    "archived_at" TIMESTAMPTZ(3),
    "created_by_user_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tours_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tour_stops" (
    "id" UUID NOT NULL,
    "tour_id" UUID NOT NULL,
    "artist_id" UUID NOT NULL,
    "date" DATE NOT NULL,
    "position" INTEGER NOT NULL,
    "kind" "TourStopKind" NOT NULL,
    "request_id" UUID,
    "city_id" UUID,
    "label" TEXT,
    "notes" TEXT,
    "created_by_user_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tour_stops_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "tours_artist_id_starts_on_idx" ON "tours"("artist_id", "starts_on");

-- CreateIndex
CREATE INDEX "tours_agency_id_starts_on_idx" ON "tours"("agency_id", "starts_on");

-- CreateIndex
CREATE UNIQUE INDEX "tours_id_artist_uniq" ON "tours"("id", "artist_id");

-- CreateIndex
CREATE INDEX "tour_stops_request_id_idx" ON "tour_stops"("request_id");

-- CreateIndex
CREATE UNIQUE INDEX "tour_stops_tour_id_request_id_key" ON "tour_stops"("tour_id", "request_id");

-- CreateIndex
CREATE UNIQUE INDEX "tour_stops_position_uniq" ON "tour_stops"("tour_id", "date", "position");

-- CreateIndex
CREATE UNIQUE INDEX "booking_requests_id_artist_uniq" ON "booking_requests"("id", "artist_id");

-- AddForeignKey
ALTER TABLE "tours" ADD CONSTRAINT "tours_artist_id_fkey" FOREIGN KEY ("artist_id") REFERENCES "artists"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tours" ADD CONSTRAINT "tours_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "artists_companies"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tours" ADD CONSTRAINT "tours_home_city_id_fkey" FOREIGN KEY ("home_city_id") REFERENCES "geo_cities"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tour_stops" ADD CONSTRAINT "tour_stops_tour_artist_fkey" FOREIGN KEY ("tour_id", "artist_id") REFERENCES "tours"("id", "artist_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "tour_stops" ADD CONSTRAINT "tour_stops_request_artist_fkey" FOREIGN KEY ("request_id", "artist_id") REFERENCES "booking_requests"("id", "artist_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "tour_stops" ADD CONSTRAINT "tour_stops_city_id_fkey" FOREIGN KEY ("city_id") REFERENCES "geo_cities"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)

ALTER TABLE "tours" ADD CONSTRAINT "tours_window_chk" CHECK ("starts_on" <= "ends_on");
ALTER TABLE "tours" ADD CONSTRAINT "tours_rules_chk" CHECK (
  ("max_leg_km" IS NULL OR "max_leg_km" > 0) AND ("max_drive_minutes" IS NULL OR "max_drive_minutes" > 0)
  AND ("max_consecutive_shows" IS NULL OR "max_consecutive_shows" >= 1) AND "avg_speed_kmh" BETWEEN 5 AND 1000
  AND "detour_factor" BETWEEN 1 AND 3 AND "load_in_minutes" BETWEEN 0 AND 1440);
-- A cancelled tour keeps its reason and time; nothing else has them.
ALTER TABLE "tours" ADD CONSTRAINT "tours_cancel_chk" CHECK (
  ("status" = 'cancelled') = ("cancelled_at" IS NOT NULL) AND ("cancelled_at" IS NULL) = ("cancel_reason" IS NULL));
-- One live tour of an artist on any day: a day's stops belong to one tour, so Booking.tour has one answer.
ALTER TABLE "tours" ADD CONSTRAINT "tours_no_overlap"
  EXCLUDE USING gist ("artist_id" WITH =, daterange("starts_on", "ends_on", '[]') WITH &&) WHERE ("status" <> 'cancelled');
ALTER TABLE "tour_stops" ADD CONSTRAINT "tour_stops_position_chk" CHECK ("position" >= 1);
-- A show has a deal and only a show has one; a pencil has a city.
ALTER TABLE "tour_stops" ADD CONSTRAINT "tour_stops_kind_chk" CHECK (
  ("kind" = 'show') = ("request_id" IS NOT NULL) AND ("kind" <> 'pencil' OR "city_id" IS NOT NULL));
