-- CreateEnum
CREATE TYPE "BookingRequestWarning" AS ENUM ('availability_blocked', 'outside_published_availability');

-- CreateEnum
CREATE TYPE "DepositKind" AS ENUM ('flat', 'percent');

-- AlterTable
ALTER TABLE "booking_holds" ADD COLUMN     "challenge_deadline" TIMESTAMPTZ(3),
ADD COLUMN     "challenged_by_hold_id" UUID,
ADD COLUMN     "city_id" UUID,
ADD COLUMN     "venue_id" UUID;

-- AlterTable
ALTER TABLE "booking_offers" ADD COLUMN     "radius_days_after" INTEGER,
ADD COLUMN     "radius_days_before" INTEGER,
ADD COLUMN     "radius_km" INTEGER;

-- AlterTable
ALTER TABLE "booking_requests" ADD COLUMN     "city_id" UUID,
ADD COLUMN     "warnings" "BookingRequestWarning"[] DEFAULT ARRAY[]::"BookingRequestWarning"[];

-- AlterTable
ALTER TABLE "bookings" ADD COLUMN     "city_id" UUID,
ADD COLUMN     "radius_days_after" INTEGER,
ADD COLUMN     "radius_days_before" INTEGER,
ADD COLUMN     "radius_km" INTEGER;

-- CreateTable
CREATE TABLE "booking_offer_deposit_terms" (
    "offer_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "kind" "DepositKind" NOT NULL,
    "amount" BIGINT NOT NULL,
    "percent" INTEGER,
    "due_on" DATE,
    "due_days_before_event" INTEGER,

    CONSTRAINT "booking_offer_deposit_terms_pkey" PRIMARY KEY ("offer_id","seq")
);

-- CreateTable
CREATE TABLE "booking_deposit_terms" (
    "booking_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "kind" "DepositKind" NOT NULL,
    "amount" BIGINT NOT NULL,
    "percent" INTEGER,
    "due_on" DATE,
    "due_days_before_event" INTEGER,

    CONSTRAINT "booking_deposit_terms_pkey" PRIMARY KEY ("booking_id","seq")
);

-- CreateIndex
CREATE INDEX "booking_holds_challenge_deadline_idx" ON "booking_holds"("challenge_deadline");

-- CreateIndex
CREATE INDEX "booking_requests_city_id_idx" ON "booking_requests"("city_id");

-- CreateIndex
CREATE INDEX "bookings_venue_id_starts_at_idx" ON "bookings"("venue_id", "starts_at");

-- CreateIndex
CREATE INDEX "bookings_city_id_starts_at_idx" ON "bookings"("city_id", "starts_at");

-- AddForeignKey
ALTER TABLE "booking_requests" ADD CONSTRAINT "booking_requests_city_id_fkey" FOREIGN KEY ("city_id") REFERENCES "geo_cities"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_offer_deposit_terms" ADD CONSTRAINT "booking_offer_deposit_terms_offer_id_fkey" FOREIGN KEY ("offer_id") REFERENCES "booking_offers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_deposit_terms" ADD CONSTRAINT "booking_deposit_terms_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "bookings"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_holds" ADD CONSTRAINT "booking_holds_city_id_fkey" FOREIGN KEY ("city_id") REFERENCES "geo_cities"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_holds" ADD CONSTRAINT "booking_holds_challenged_by_hold_id_fkey" FOREIGN KEY ("challenged_by_hold_id") REFERENCES "booking_holds"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_city_id_fkey" FOREIGN KEY ("city_id") REFERENCES "geo_cities"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt), and the backfill

-- Places as data: a request's free-text city becomes its directory city where exactly one city of that name
-- (in the request's country, when it has one) exists; holds and bookings carry their request's place.
UPDATE "booking_requests" r SET "city_id" = m."id"
FROM (
  SELECT r2."id" AS "request_id", min(c."id"::text)::uuid AS "id"
  FROM "booking_requests" r2
  JOIN "geo_cities" c ON lower(c."name") = lower(btrim(r2."city"))
  JOIN "geo_countries" k ON k."id" = c."country_id"
  WHERE r2."city" IS NOT NULL AND (r2."country_code" IS NULL OR k."code" = r2."country_code")
  GROUP BY r2."id"
  HAVING count(*) = 1
) m
WHERE r."id" = m."request_id";
UPDATE "booking_holds" h SET "city_id" = r."city_id", "venue_id" = r."venue_id" FROM "booking_requests" r WHERE r."id" = h."request_id";
UPDATE "bookings" b SET "city_id" = r."city_id" FROM "booking_requests" r WHERE r."id" = b."request_id";

-- Radius clause: all three together, a positive distance, days within a year.
ALTER TABLE "booking_offers" ADD CONSTRAINT "booking_offers_radius_chk" CHECK (
  ("radius_km" IS NULL AND "radius_days_before" IS NULL AND "radius_days_after" IS NULL)
  OR ("radius_km" > 0 AND "radius_days_before" BETWEEN 0 AND 365 AND "radius_days_after" BETWEEN 0 AND 365)
);
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_radius_chk" CHECK (
  ("radius_km" IS NULL AND "radius_days_before" IS NULL AND "radius_days_after" IS NULL)
  OR ("radius_km" > 0 AND "radius_days_before" BETWEEN 0 AND 365 AND "radius_days_after" BETWEEN 0 AND 365)
);

-- Deposit terms: a flat amount or a percentage of the fee; due on a day, days before the event, or on confirmation.
ALTER TABLE "booking_offer_deposit_terms" ADD CONSTRAINT "booking_offer_deposit_terms_chk" CHECK (
  "seq" >= 1 AND "amount" >= 0
  AND ("kind" = 'flat') = ("percent" IS NULL) AND ("percent" IS NULL OR "percent" BETWEEN 1 AND 100)
  AND ("due_on" IS NULL OR "due_days_before_event" IS NULL)
  AND ("due_days_before_event" IS NULL OR "due_days_before_event" >= 0)
);
ALTER TABLE "booking_deposit_terms" ADD CONSTRAINT "booking_deposit_terms_chk" CHECK (
  "seq" >= 1 AND "amount" >= 0
  AND ("kind" = 'flat') = ("percent" IS NULL) AND ("percent" IS NULL OR "percent" BETWEEN 1 AND 100)
  AND ("due_on" IS NULL OR "due_days_before_event" IS NULL)
  AND ("due_days_before_event" IS NULL OR "due_days_before_event" >= 0)
);
-- Agreed terms are not rewritten: an offer's terms are one version, a booking keeps what was accepted.
CREATE TRIGGER "booking_offer_deposit_terms_append_only" BEFORE UPDATE OR DELETE ON "booking_offer_deposit_terms"
  FOR EACH ROW EXECUTE FUNCTION "artists_append_only"();
CREATE TRIGGER "booking_deposit_terms_append_only" BEFORE UPDATE OR DELETE ON "booking_deposit_terms"
  FOR EACH ROW EXECUTE FUNCTION "artists_append_only"();

-- A challenged hold names its challenger and its deadline together, and never challenges itself.
ALTER TABLE "booking_holds" ADD CONSTRAINT "booking_holds_challenge_chk" CHECK (
  ("challenge_deadline" IS NULL) = ("challenged_by_hold_id" IS NULL) AND "challenged_by_hold_id" <> "id"
);
