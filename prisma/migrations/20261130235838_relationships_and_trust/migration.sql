-- CreateEnum
CREATE TYPE "RelationshipFlagKind" AS ENUM ('do_not_book', 'pays_late', 'late_cancellation', 'rider_issues', 'great_hospitality', 'preferred', 'vip', 'custom');

-- CreateTable
CREATE TABLE "relationship_stats" (
    "agency_id" UUID NOT NULL,
    "artist_id" UUID NOT NULL,
    "promoter_org_id" UUID NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "open_pipelines" INTEGER NOT NULL DEFAULT 0,
    "bookings_confirmed" INTEGER NOT NULL DEFAULT 0,
    "cancelled_by_agency" INTEGER NOT NULL DEFAULT 0,
    "cancelled_by_promoter" INTEGER NOT NULL DEFAULT 0,
    "late_cancelled_by_agency" INTEGER NOT NULL DEFAULT 0,
    "late_cancelled_by_promoter" INTEGER NOT NULL DEFAULT 0,
    "agency_answers" INTEGER NOT NULL DEFAULT 0,
    "agency_answer_seconds" BIGINT NOT NULL DEFAULT 0,
    "promoter_answers" INTEGER NOT NULL DEFAULT 0,
    "promoter_answer_seconds" BIGINT NOT NULL DEFAULT 0,
    "first_booked_at" TIMESTAMPTZ(3),
    "last_booked_at" TIMESTAMPTZ(3),
    "last_interaction_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "relationship_stats_pkey" PRIMARY KEY ("agency_id","artist_id","promoter_org_id")
);

-- CreateTable
CREATE TABLE "relationship_notes" (
    "id" UUID NOT NULL,
    "owner_org_id" UUID NOT NULL,
    "counterparty_id" UUID NOT NULL,
    "author_user_id" UUID NOT NULL,
    "body" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "relationship_notes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "relationship_flags" (
    "id" UUID NOT NULL,
    "owner_org_id" UUID NOT NULL,
    "counterparty_id" UUID NOT NULL,
    "kind" "RelationshipFlagKind" NOT NULL,
    "label" TEXT,
    "note" TEXT,
    "set_by_user_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "relationship_flags_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "booking_ratings" (
    "id" UUID NOT NULL,
    "booking_id" UUID NOT NULL,
    "rater_side" "BookingSide" NOT NULL,
    "rater_org_id" UUID NOT NULL,
    "rater_user_id" UUID NOT NULL,
    "communication" INTEGER NOT NULL,
    "reliability" INTEGER NOT NULL,
    "hospitality_or_production" INTEGER NOT NULL,
    "payment_or_performance" INTEGER NOT NULL,
    "comment" TEXT,
    "window_closes_at" TIMESTAMPTZ(3) NOT NULL,
    "revealed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "booking_ratings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "relationship_stats_promoter_org_id_agency_id_idx" ON "relationship_stats"("promoter_org_id", "agency_id");

-- CreateIndex
CREATE INDEX "relationship_stats_artist_id_promoter_org_id_idx" ON "relationship_stats"("artist_id", "promoter_org_id");

-- CreateIndex
CREATE INDEX "relationship_notes_owner_org_id_counterparty_id_created_at_idx" ON "relationship_notes"("owner_org_id", "counterparty_id", "created_at");

-- CreateIndex
CREATE INDEX "relationship_flags_owner_org_id_counterparty_id_idx" ON "relationship_flags"("owner_org_id", "counterparty_id");

-- CreateIndex
CREATE INDEX "booking_ratings_rater_org_id_idx" ON "booking_ratings"("rater_org_id");

-- CreateIndex
CREATE UNIQUE INDEX "booking_ratings_booking_id_rater_side_key" ON "booking_ratings"("booking_id", "rater_side");

-- AddForeignKey
ALTER TABLE "booking_ratings" ADD CONSTRAINT "booking_ratings_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "bookings"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)
ALTER TABLE "relationship_notes" ADD CONSTRAINT "relationship_notes_body_chk" CHECK (length(btrim("body")) BETWEEN 1 AND 4000);
ALTER TABLE "relationship_flags" ADD CONSTRAINT "relationship_flags_custom_label_chk" CHECK ("kind" <> 'custom' OR "label" IS NOT NULL);
-- One flag of a kind (and label) per owner and counterparty: a second is 409 already_exists, races included.
CREATE UNIQUE INDEX "relationship_flags_owner_kind_uniq" ON "relationship_flags" ("owner_org_id", "counterparty_id", "kind", COALESCE("label", ''));
ALTER TABLE "booking_ratings" ADD CONSTRAINT "booking_ratings_scores_chk" CHECK (
  "communication" BETWEEN 1 AND 5 AND "reliability" BETWEEN 1 AND 5
  AND "hospitality_or_production" BETWEEN 1 AND 5 AND "payment_or_performance" BETWEEN 1 AND 5);
ALTER TABLE "relationship_stats" ADD CONSTRAINT "relationship_stats_counts_chk" CHECK (
  "requests" >= 0 AND "open_pipelines" >= 0 AND "bookings_confirmed" >= 0 AND "cancelled_by_agency" >= 0
  AND "cancelled_by_promoter" >= 0 AND "agency_answers" >= 0 AND "promoter_answers" >= 0);

-- Only a confirmed booking is rated; a revealed rating never changes and no rating is ever deleted.
CREATE FUNCTION "booking_ratings_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'ratings are never deleted';
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NOT EXISTS (SELECT 1 FROM "bookings" b WHERE b."id" = NEW."booking_id" AND b."status" = 'confirmed') THEN
      RAISE EXCEPTION 'only a confirmed booking is rated';
    END IF;
    RETURN NEW;
  END IF;
  IF OLD."revealed_at" IS NOT NULL THEN
    RAISE EXCEPTION 'a revealed rating is never edited';
  END IF;
  IF (NEW."booking_id", NEW."rater_side", NEW."rater_org_id", NEW."window_closes_at", NEW."created_at")
     IS DISTINCT FROM (OLD."booking_id", OLD."rater_side", OLD."rater_org_id", OLD."window_closes_at", OLD."created_at") THEN
    RAISE EXCEPTION 'a rating''s booking, side and window are immutable';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER "booking_ratings_guard" BEFORE INSERT OR UPDATE OR DELETE ON "booking_ratings"
  FOR EACH ROW EXECUTE FUNCTION "booking_ratings_guard"();

-- The relationship summary follows the pipeline: every transition writes one booking_activity row in its
-- transaction, and this adds its delta to the (agency, artist, promoter) row in that same transaction.
-- Answer time: the agency's first answer to a request (offer or decline), and each side's answer (accept,
-- counter, decline) to the other's offer. A booking counts for the agency that confirmed it.
CREATE FUNCTION "relationship_stats_apply"(a "booking_activity") RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  r "booking_requests"%ROWTYPE;
  b "bookings"%ROWTYPE;
  agency uuid;
  d_requests int := 0; d_open int := 0; d_confirmed int := 0;
  d_c_agency int := 0; d_c_promoter int := 0; d_late_agency int := 0; d_late_promoter int := 0;
  d_a_answers int := 0; d_a_secs bigint := 0; d_p_answers int := 0; d_p_secs bigint := 0;
  booked timestamptz := NULL;
  answered text := NULL;
  since timestamptz;
  late boolean;
BEGIN
  SELECT * INTO r FROM "booking_requests" WHERE "id" = a."request_id";
  agency := r."agency_id";
  IF a."subject" = 'request' THEN
    IF a."from_status" IS NULL THEN
      d_requests := 1; d_open := 1;
    ELSIF a."from_status" IN ('open', 'negotiating', 'held') AND a."to_status" NOT IN ('open', 'negotiating', 'held') THEN
      d_open := -1;
    END IF;
    IF a."from_status" = 'open' AND a."action" IN ('offer', 'decline') AND a."actor_type" = 'user' THEN
      answered := 'agency'; since := r."created_at";
    END IF;
  ELSIF a."subject" = 'offer' AND a."from_status" = 'open' AND a."action" IN ('accept', 'counter', 'decline') THEN
    SELECT CASE WHEN o."made_by" = 'agency' THEN 'promoter' ELSE 'agency' END, o."created_at" INTO answered, since
      FROM "booking_offers" o WHERE o."id" = a."subject_id";
  ELSIF a."subject" = 'booking' THEN
    SELECT * INTO b FROM "bookings" WHERE "id" = a."subject_id";
    agency := b."agency_id";
    IF a."from_status" IS NULL THEN
      d_confirmed := 1; booked := a."created_at";
    ELSIF a."action" = 'cancel' THEN
      late := b."starts_at" - a."created_at" < interval '30 days';
      IF a."actor_org_id" = r."promoter_org_id" THEN
        d_c_promoter := 1; d_late_promoter := late::int;
      ELSE
        d_c_agency := 1; d_late_agency := late::int;
      END IF;
    END IF;
  END IF;
  IF answered = 'agency' THEN
    d_a_answers := 1; d_a_secs := GREATEST(0, floor(extract(epoch FROM a."created_at" - since)))::bigint;
  ELSIF answered = 'promoter' THEN
    d_p_answers := 1; d_p_secs := GREATEST(0, floor(extract(epoch FROM a."created_at" - since)))::bigint;
  END IF;
  INSERT INTO "relationship_stats" AS s ("agency_id", "artist_id", "promoter_org_id", "requests", "open_pipelines",
      "bookings_confirmed", "cancelled_by_agency", "cancelled_by_promoter", "late_cancelled_by_agency", "late_cancelled_by_promoter",
      "agency_answers", "agency_answer_seconds", "promoter_answers", "promoter_answer_seconds", "first_booked_at", "last_booked_at",
      "last_interaction_at", "created_at", "updated_at")
    VALUES (agency, r."artist_id", r."promoter_org_id", d_requests, GREATEST(d_open, 0), d_confirmed, d_c_agency, d_c_promoter,
      d_late_agency, d_late_promoter, d_a_answers, d_a_secs, d_p_answers, d_p_secs, booked, booked, a."created_at", a."created_at", a."created_at")
    ON CONFLICT ("agency_id", "artist_id", "promoter_org_id") DO UPDATE SET
      "requests" = s."requests" + d_requests,
      "open_pipelines" = GREATEST(s."open_pipelines" + d_open, 0),
      "bookings_confirmed" = s."bookings_confirmed" + d_confirmed,
      "cancelled_by_agency" = s."cancelled_by_agency" + d_c_agency,
      "cancelled_by_promoter" = s."cancelled_by_promoter" + d_c_promoter,
      "late_cancelled_by_agency" = s."late_cancelled_by_agency" + d_late_agency,
      "late_cancelled_by_promoter" = s."late_cancelled_by_promoter" + d_late_promoter,
      "agency_answers" = s."agency_answers" + d_a_answers,
      "agency_answer_seconds" = s."agency_answer_seconds" + d_a_secs,
      "promoter_answers" = s."promoter_answers" + d_p_answers,
      "promoter_answer_seconds" = s."promoter_answer_seconds" + d_p_secs,
      "first_booked_at" = LEAST(s."first_booked_at", booked),
      "last_booked_at" = GREATEST(s."last_booked_at", booked),
      "last_interaction_at" = GREATEST(s."last_interaction_at", a."created_at"),
      "updated_at" = a."created_at";
END;
$$;

CREATE FUNCTION "relationship_stats_follow"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "relationship_stats_apply"(NEW);
  RETURN NEW;
END;
$$;
CREATE TRIGGER "relationship_stats_follow" AFTER INSERT ON "booking_activity"
  FOR EACH ROW EXECUTE FUNCTION "relationship_stats_follow"();

-- The pipelines that exist already, replayed in commit order.
SELECT "relationship_stats_apply"(a) FROM "booking_activity" a ORDER BY a."seq";
