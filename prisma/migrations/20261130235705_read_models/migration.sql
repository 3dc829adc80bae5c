-- CreateEnum
CREATE TYPE "ShortlistVisibility" AS ENUM ('private', 'company');

-- CreateTable
CREATE TABLE "booking_month_rollups" (
    "side" "BookingSide" NOT NULL,
    "party_id" UUID NOT NULL,
    "artist_id" UUID NOT NULL,
    "month" DATE NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "confirmed_count" INTEGER NOT NULL DEFAULT 0,
    "confirmed_fee" BIGINT NOT NULL DEFAULT 0,
    "cancelled_count" INTEGER NOT NULL DEFAULT 0,
    "cancelled_fee" BIGINT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "booking_month_rollups_pkey" PRIMARY KEY ("side","party_id","artist_id","month","currency")
);

-- CreateTable
CREATE TABLE "booking_pair_rollups" (
    "agency_id" UUID NOT NULL,
    "promoter_org_id" UUID NOT NULL,
    "confirmed_count" INTEGER NOT NULL DEFAULT 0,
    "cancelled_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "booking_pair_rollups_pkey" PRIMARY KEY ("agency_id","promoter_org_id")
);

-- CreateTable
CREATE TABLE "org_activity" (
    "org_id" UUID NOT NULL,
    "seq" BIGINT NOT NULL,
    "event_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "aggregate_type" TEXT NOT NULL,
    "aggregate_id" UUID NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "org_activity_pkey" PRIMARY KEY ("org_id","seq")
);

-- CreateTable
CREATE TABLE "shortlists" (
    "id" UUID NOT NULL,
    "owner_org_id" UUID NOT NULL,
    "created_by_user_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "visibility" "ShortlistVisibility" NOT NULL DEFAULT 'private',
    "event_on" DATE,
    "city_id" UUID,
    "budget" BIGINT,
    "currency" CHAR(3),
    "notes" TEXT,
    "item_count" INTEGER NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "shortlists_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "shortlist_items" (
    "id" UUID NOT NULL,
    "shortlist_id" UUID NOT NULL,
    "artist_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "note" TEXT,
    "added_by_user_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "shortlist_items_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "booking_month_rollups_side_artist_id_idx" ON "booking_month_rollups"("side", "artist_id");

-- CreateIndex
CREATE INDEX "booking_pair_rollups_promoter_org_id_idx" ON "booking_pair_rollups"("promoter_org_id");

-- CreateIndex
CREATE INDEX "shortlists_owner_org_id_created_at_idx" ON "shortlists"("owner_org_id", "created_at");

-- CreateIndex
CREATE INDEX "shortlist_items_shortlist_id_position_idx" ON "shortlist_items"("shortlist_id", "position");

-- CreateIndex
CREATE INDEX "shortlist_items_artist_id_idx" ON "shortlist_items"("artist_id");

-- CreateIndex
CREATE UNIQUE INDEX "shortlist_items_shortlist_id_artist_id_key" ON "shortlist_items"("shortlist_id", "artist_id");

-- AddForeignKey
ALTER TABLE "shortlists" ADD CONSTRAINT "shortlists_city_id_fkey" FOREIGN KEY ("city_id") REFERENCES "geo_cities"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "shortlist_items" ADD CONSTRAINT "shortlist_items_shortlist_id_fkey" FOREIGN KEY ("shortlist_id") REFERENCES "shortlists"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "shortlist_items" ADD CONSTRAINT "shortlist_items_artist_id_fkey" FOREIGN KEY ("artist_id") REFERENCES "artists"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)
ALTER TABLE "shortlists" ADD CONSTRAINT "shortlists_items_max_chk" CHECK ("item_count" BETWEEN 0 AND 500);
ALTER TABLE "shortlists" ADD CONSTRAINT "shortlists_budget_chk" CHECK ("budget" IS NULL OR ("budget" >= 0 AND "currency" IS NOT NULL));
ALTER TABLE "shortlist_items" ADD CONSTRAINT "shortlist_items_position_chk" CHECK ("position" >= 0);

-- A shortlist's item count follows its items; the CHECK above refuses the 501st. The count lives on the
-- list's row, so concurrent additions to one list queue on that row and cannot both slip under the limit.
CREATE FUNCTION "shortlist_items_count"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE "shortlists" SET "item_count" = "item_count" + 1 WHERE "id" = NEW."shortlist_id";
  ELSE
    UPDATE "shortlists" SET "item_count" = "item_count" - 1 WHERE "id" = OLD."shortlist_id";
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER "shortlist_items_count" AFTER INSERT OR DELETE ON "shortlist_items"
  FOR EACH ROW EXECUTE FUNCTION "shortlist_items_count"();

-- Dashboard roll-ups of confirmed and cancelled bookings, written in the transaction that confirms or
-- cancels (a booking is inserted confirmed; its only move is confirmed → cancelled). Time-lapsed states are
-- never rolled up: they are counted live from the partial indexes below.
CREATE FUNCTION "booking_rollups_apply"(b "bookings", confirmed int, cancelled int) RETURNS void LANGUAGE sql AS $$
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
  INSERT INTO "booking_pair_rollups" AS p ("agency_id", "promoter_org_id", "confirmed_count", "cancelled_count", "updated_at")
  VALUES (b."agency_id", b."promoter_org_id", confirmed, cancelled, now())
  ON CONFLICT ("agency_id", "promoter_org_id") DO UPDATE SET
    "confirmed_count" = p."confirmed_count" + EXCLUDED."confirmed_count",
    "cancelled_count" = p."cancelled_count" + EXCLUDED."cancelled_count",
    "updated_at" = now();
$$;

CREATE FUNCTION "booking_rollups_follow"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM "booking_rollups_apply"(NEW, CASE WHEN NEW."status" = 'confirmed' THEN 1 ELSE 0 END, CASE WHEN NEW."status" = 'cancelled' THEN 1 ELSE 0 END);
  ELSIF OLD."status" IS DISTINCT FROM NEW."status" OR OLD."fee" IS DISTINCT FROM NEW."fee" OR OLD."starts_at" IS DISTINCT FROM NEW."starts_at"
     OR OLD."currency" IS DISTINCT FROM NEW."currency" OR OLD."agency_id" IS DISTINCT FROM NEW."agency_id"
     OR OLD."artist_id" IS DISTINCT FROM NEW."artist_id" OR OLD."promoter_org_id" IS DISTINCT FROM NEW."promoter_org_id" THEN
    PERFORM "booking_rollups_apply"(OLD, CASE WHEN OLD."status" = 'confirmed' THEN -1 ELSE 0 END, CASE WHEN OLD."status" = 'cancelled' THEN -1 ELSE 0 END);
    PERFORM "booking_rollups_apply"(NEW, CASE WHEN NEW."status" = 'confirmed' THEN 1 ELSE 0 END, CASE WHEN NEW."status" = 'cancelled' THEN 1 ELSE 0 END);
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER "booking_rollups_follow" AFTER INSERT OR UPDATE ON "bookings"
  FOR EACH ROW EXECUTE FUNCTION "booking_rollups_follow"();

-- Bookings confirmed before this migration.
SELECT "booking_rollups_apply"(b, CASE WHEN b."status" = 'confirmed' THEN 1 ELSE 0 END, CASE WHEN b."status" = 'cancelled' THEN 1 ELSE 0 END)
FROM "bookings" b;

-- The activity feed: every outbox event, copied once per company party to it, in the event's transaction.
CREATE FUNCTION "org_activity_follow_outbox"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "org_activity" ("org_id", "seq", "event_id", "event_type", "aggregate_type", "aggregate_id", "occurred_at", "payload", "updated_at")
  SELECT DISTINCT o, NEW."seq", NEW."id", NEW."event_type", NEW."aggregate_type", NEW."aggregate_id", NEW."occurred_at", NEW."payload", now()
  FROM unnest(NEW."org_ids") o;
  RETURN NULL;
END;
$$;
CREATE TRIGGER "org_activity_follow_outbox" AFTER INSERT ON "outbox_events"
  FOR EACH ROW EXECUTE FUNCTION "org_activity_follow_outbox"();
CREATE TRIGGER "org_activity_append_only" BEFORE UPDATE ON "org_activity"
  FOR EACH ROW EXECUTE FUNCTION "artists_append_only"();

INSERT INTO "org_activity" ("org_id", "seq", "event_id", "event_type", "aggregate_type", "aggregate_id", "occurred_at", "payload", "updated_at")
SELECT DISTINCT o, e."seq", e."id", e."event_type", e."aggregate_type", e."aggregate_id", e."occurred_at", e."payload", now()
FROM "outbox_events" e, unnest(e."org_ids") o;

-- Live pipeline counts (dashboards, tasks): the open part of each side's pipelines, by party and date.
CREATE INDEX "booking_requests_live_agency_idx" ON "booking_requests" ("agency_id", "status", "starts_at") WHERE "status" IN ('open', 'negotiating', 'held');
CREATE INDEX "booking_requests_live_artist_idx" ON "booking_requests" ("artist_id", "status", "starts_at") WHERE "status" IN ('open', 'negotiating', 'held');
CREATE INDEX "booking_requests_live_promoter_idx" ON "booking_requests" ("promoter_org_id", "status", "starts_at") WHERE "status" IN ('open', 'negotiating', 'held');
CREATE INDEX "booking_offers_open_idx" ON "booking_offers" ("request_id") INCLUDE ("made_by", "expires_at") WHERE "status" = 'open';
CREATE INDEX "booking_holds_active_idx" ON "booking_holds" ("request_id") WHERE "status" = 'active';
CREATE INDEX "contracts_awaiting_signature_idx" ON "contracts" ("request_id") WHERE "status" IN ('sent', 'partially_signed');
CREATE INDEX "bookings_agency_upcoming_idx" ON "bookings" ("agency_id", "starts_at") WHERE "status" = 'confirmed';
CREATE INDEX "bookings_artist_upcoming_idx" ON "bookings" ("artist_id", "starts_at") WHERE "status" = 'confirmed';
CREATE INDEX "bookings_promoter_upcoming_idx" ON "bookings" ("promoter_org_id", "starts_at") WHERE "status" = 'confirmed';
