-- DropIndex
DROP INDEX "booking_month_rollups_side_artist_id_idx";

-- CreateTable
CREATE TABLE "booking_party_month_rollups" (
    "side" "BookingSide" NOT NULL,
    "party_id" UUID NOT NULL,
    "month" DATE NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "confirmed_count" INTEGER NOT NULL DEFAULT 0,
    "confirmed_fee" BIGINT NOT NULL DEFAULT 0,
    "cancelled_count" INTEGER NOT NULL DEFAULT 0,
    "cancelled_fee" BIGINT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "booking_party_month_rollups_pkey" PRIMARY KEY ("side","party_id","month","currency")
);

-- CreateTable
CREATE TABLE "booking_party_artist_rollups" (
    "side" "BookingSide" NOT NULL,
    "party_id" UUID NOT NULL,
    "artist_id" UUID NOT NULL,
    "confirmed_count" INTEGER NOT NULL DEFAULT 0,
    "cancelled_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "booking_party_artist_rollups_pkey" PRIMARY KEY ("side","party_id","artist_id")
);

-- CreateIndex
CREATE INDEX "booking_month_rollups_side_artist_id_party_id_idx" ON "booking_month_rollups"("side", "artist_id", "party_id");

-- raw-sql: the dashboard's totals read what a company owns in a few rows: its months (summed over its
-- artists) and its artists (summed over months), kept by booking_rollups_apply beside the per-artist months
-- in the transaction that confirms or cancels. The per-artist months remain for what a company sees of its
-- artists' bookings that another party handled (a range of booking_month_rollups_side_artist_id_party_id_idx
-- either side of its own id).
CREATE OR REPLACE FUNCTION "booking_rollups_apply"(b "bookings", confirmed int, cancelled int) RETURNS void LANGUAGE sql AS $$
  INSERT INTO "booking_month_rollups" AS r ("side", "party_id", "artist_id", "month", "currency",
      "confirmed_count", "confirmed_fee", "cancelled_count", "cancelled_fee", "updated_at")
  SELECT s.side, s.party, b."artist_id", date_trunc('month', b."starts_at" AT TIME ZONE 'UTC')::date, b."currency",
         confirmed, confirmed * coalesce(b."fee", 0), cancelled, cancelled * coalesce(b."fee", 0), now()
  FROM (VALUES ('agency'::"BookingSide", b."agency_id"), ('promoter'::"BookingSide", b."promoter_org_id")) s(side, party)
  ON CONFLICT ("side", "party_id", "artist_id", "month", "currency") DO UPDATE SET
    "confirmed_count" = r."confirmed_count" + EXCLUDED."confirmed_count",
    "confirmed_fee" = r."confirmed_fee" + EXCLUDED."confirmed_fee",
    "cancelled_count" = r."cancelled_count" + EXCLUDED."cancelled_count",
    "cancelled_fee" = r."cancelled_fee" + EXCLUDED."cancelled_fee",
    "updated_at" = now();
  INSERT INTO "booking_party_month_rollups" AS r ("side", "party_id", "month", "currency",
      "confirmed_count", "confirmed_fee", "cancelled_count", "cancelled_fee", "updated_at")
  SELECT s.side, s.party, date_trunc('month', b."starts_at" AT TIME ZONE 'UTC')::date, b."currency",
         confirmed, confirmed * coalesce(b."fee", 0), cancelled, cancelled * coalesce(b."fee", 0), now()
  FROM (VALUES ('agency'::"BookingSide", b."agency_id"), ('promoter'::"BookingSide", b."promoter_org_id")) s(side, party)
  ON CONFLICT ("side", "party_id", "month", "currency") DO UPDATE SET
    "confirmed_count" = r."confirmed_count" + EXCLUDED."confirmed_count",
    "confirmed_fee" = r."confirmed_fee" + EXCLUDED."confirmed_fee",
    "cancelled_count" = r."cancelled_count" + EXCLUDED."cancelled_count",
    "cancelled_fee" = r."cancelled_fee" + EXCLUDED."cancelled_fee",
    "updated_at" = now();
  INSERT INTO "booking_party_artist_rollups" AS r ("side", "party_id", "artist_id", "confirmed_count", "cancelled_count", "updated_at")
  SELECT s.side, s.party, b."artist_id", confirmed, cancelled, now()
  FROM (VALUES ('agency'::"BookingSide", b."agency_id"), ('promoter'::"BookingSide", b."promoter_org_id")) s(side, party)
  ON CONFLICT ("side", "party_id", "artist_id") DO UPDATE SET
    "confirmed_count" = r."confirmed_count" + EXCLUDED."confirmed_count",
    "cancelled_count" = r."cancelled_count" + EXCLUDED."cancelled_count",
    "updated_at" = now();
  INSERT INTO "booking_pair_rollups" AS p ("agency_id", "promoter_org_id", "confirmed_count", "cancelled_count", "updated_at")
  VALUES (b."agency_id", b."promoter_org_id", confirmed, cancelled, now())
  ON CONFLICT ("agency_id", "promoter_org_id") DO UPDATE SET
    "confirmed_count" = p."confirmed_count" + EXCLUDED."confirmed_count",
    "cancelled_count" = p."cancelled_count" + EXCLUDED."cancelled_count",
    "updated_at" = now();
$$;

-- Bookings confirmed before this migration: the sums of the per-artist months.
INSERT INTO "booking_party_month_rollups" ("side", "party_id", "month", "currency", "confirmed_count", "confirmed_fee", "cancelled_count", "cancelled_fee")
SELECT "side", "party_id", "month", "currency", sum("confirmed_count"), sum("confirmed_fee"), sum("cancelled_count"), sum("cancelled_fee")
FROM "booking_month_rollups" GROUP BY 1, 2, 3, 4;
INSERT INTO "booking_party_artist_rollups" ("side", "party_id", "artist_id", "confirmed_count", "cancelled_count")
SELECT "side", "party_id", "artist_id", sum("confirmed_count"), sum("cancelled_count") FROM "booking_month_rollups" GROUP BY 1, 2, 3;

-- A company's top counterparts: the first rows of an index range, not a sort of all its pairs.
CREATE INDEX "booking_pair_rollups_agency_top_idx" ON "booking_pair_rollups" ("agency_id", "confirmed_count" DESC, "promoter_org_id");
