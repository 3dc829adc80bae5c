-- AlterTable
ALTER TABLE "contracts" ADD COLUMN     "awaiting_agency" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "awaiting_promoter" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "pipeline_live_items" (
    "subject_id" UUID NOT NULL,
    "request_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "agency_id" UUID NOT NULL,
    "artist_id" UUID NOT NULL,
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pipeline_live_items_pkey" PRIMARY KEY ("subject_id")
);

-- CreateTable
CREATE TABLE "pipeline_agency_counts" (
    "agency_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pipeline_agency_counts_pkey" PRIMARY KEY ("agency_id","kind","day")
);

-- CreateTable
CREATE TABLE "pipeline_artist_counts" (
    "artist_id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pipeline_artist_counts_pkey" PRIMARY KEY ("artist_id","agency_id","kind","day")
);

-- CreateTable
CREATE TABLE "pipeline_count_changes" (
    "id" BIGSERIAL NOT NULL,
    "xact_id" BIGINT NOT NULL,
    "agency_id" UUID NOT NULL,
    "artist_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "delta" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pipeline_count_changes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "pipeline_live_items_request_id_idx" ON "pipeline_live_items"("request_id");

-- CreateIndex
CREATE INDEX "pipeline_count_changes_xact_id_idx" ON "pipeline_count_changes"("xact_id");

-- raw-sql: the agency dashboard at scale (bench/dashboards.ts). Two things the database keeps in the
-- transaction of the change, so that the dashboard counts instead of walking rows:
--
-- 1. Whose signature a contract waits for (contracts.awaiting_agency / awaiting_promoter): the sides of its
--    blocking signers, as contracts' `blockingSigners` says (the first unsigned required signer of a
--    sequential signing, all of them in a parallel one, on the current version).
-- 2. The live pipeline (pipeline_live_items): one row per open request, open offer of a negotiating request
--    and active hold of a held request, with the time it lapses (due_at), and its counts per (agency, kind,
--    UTC day of due_at) and (artist, agency, kind, day). An item past due_at stays until the pipeline writes
--    its lapse; readers count it live (due_at > now): the days after today from the counts, today's items
--    (and those of the day "expiring soon" ends in) from the items themselves.

-- The sides whose signature a contract waits for, on a version and signing order.
CREATE FUNCTION "contract_awaiting_sides"(for_contract uuid, at_version int, signing "SigningOrder") RETURNS "BookingSide"[]
LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(DISTINCT b."side"), '{}') FROM (
    SELECT cs."side" FROM "contract_signers" cs
    JOIN "contract_versions" v ON v."contract_id" = for_contract AND v."version" = at_version
    WHERE cs."contract_id" = for_contract AND cs."required" AND cs."removed_at" IS NULL
      AND NOT EXISTS (SELECT 1 FROM "contract_signatures" sg WHERE sg."signer_id" = cs."id" AND sg."version_id" = v."id")
    ORDER BY cs."position", cs."created_at"
    LIMIT CASE WHEN signing = 'sequential' THEN 1 END) b
$$;

CREATE FUNCTION "contracts_awaiting_follow"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sides "BookingSide"[] := "contract_awaiting_sides"(NEW."id", NEW."current_version", NEW."signing_order");
BEGIN
  NEW."awaiting_agency" := 'agency' = ANY(sides);
  NEW."awaiting_promoter" := 'promoter' = ANY(sides);
  RETURN NEW;
END
$$;
CREATE TRIGGER "contracts_awaiting_follow" BEFORE INSERT OR UPDATE OF "current_version", "signing_order", "status" ON "contracts"
  FOR EACH ROW EXECUTE FUNCTION "contracts_awaiting_follow"();

CREATE FUNCTION "contracts_awaiting_refresh"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  contract uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD."contract_id" ELSE NEW."contract_id" END;
  sides "BookingSide"[];
BEGIN
  -- The contract's row lock first, then a read of its own: a signature another transaction committed while
  -- this one waited for the lock is seen (two signers of a parallel signing at once).
  PERFORM 1 FROM "contracts" c WHERE c."id" = contract FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  SELECT "contract_awaiting_sides"(c."id", c."current_version", c."signing_order") INTO sides FROM "contracts" c WHERE c."id" = contract;
  UPDATE "contracts" c SET "awaiting_agency" = 'agency' = ANY(sides), "awaiting_promoter" = 'promoter' = ANY(sides)
  WHERE c."id" = contract AND (c."awaiting_agency", c."awaiting_promoter") IS DISTINCT FROM ('agency' = ANY(sides), 'promoter' = ANY(sides));
  RETURN NULL;
END
$$;
CREATE TRIGGER "contract_signers_awaiting_follow" AFTER INSERT OR UPDATE OR DELETE ON "contract_signers"
  FOR EACH ROW EXECUTE FUNCTION "contracts_awaiting_refresh"();
CREATE TRIGGER "contract_signatures_awaiting_follow" AFTER INSERT ON "contract_signatures"
  FOR EACH ROW EXECUTE FUNCTION "contracts_awaiting_refresh"();
CREATE TRIGGER "contract_versions_awaiting_follow" AFTER INSERT ON "contract_versions"
  FOR EACH ROW EXECUTE FUNCTION "contracts_awaiting_refresh"();

UPDATE "contracts" SET "awaiting_agency" = 'agency' = ANY("contract_awaiting_sides"("id", "current_version", "signing_order")),
  "awaiting_promoter" = 'promoter' = ANY("contract_awaiting_sides"("id", "current_version", "signing_order"));

-- A company's waiting contracts and whose signature: an index-only range of its own.
DROP INDEX "contracts_awaiting_agency_idx";
DROP INDEX "contracts_awaiting_artist_idx";
DROP INDEX "contracts_awaiting_promoter_idx";
CREATE INDEX "contracts_awaiting_agency_idx" ON "contracts" ("agency_id") INCLUDE ("awaiting_agency", "awaiting_promoter")
  WHERE "status" IN ('sent', 'partially_signed');
CREATE INDEX "contracts_awaiting_artist_idx" ON "contracts" ("artist_id") INCLUDE ("agency_id", "awaiting_agency", "awaiting_promoter", "id", "request_id")
  WHERE "status" IN ('sent', 'partially_signed');
CREATE INDEX "contracts_awaiting_promoter_idx" ON "contracts" ("promoter_org_id") INCLUDE ("awaiting_agency", "awaiting_promoter", "id", "request_id")
  WHERE "status" IN ('sent', 'partially_signed');

-- The live items of some requests, as the pipeline's own predicates (booking/live.ts) read them, less the
-- clock: an item is live at `now` exactly when its due_at is after `now`.
CREATE FUNCTION "pipeline_items_wanted"(requests uuid[])
RETURNS TABLE ("subject_id" uuid, "request_id" uuid, "kind" text, "agency_id" uuid, "artist_id" uuid, "due_at" timestamptz)
LANGUAGE sql STABLE AS $$
  SELECT r."id", r."id", 'request', r."agency_id", r."artist_id", least(coalesce(r."expires_at", 'infinity'), r."starts_at")
  FROM "booking_requests" r WHERE r."id" = ANY(requests) AND r."status" = 'open'
  UNION ALL
  SELECT o."id", r."id", 'offer_by_' || o."made_by", r."agency_id", r."artist_id",
         least(coalesce(o."expires_at", 'infinity'), coalesce(r."expires_at", 'infinity'), r."starts_at")
  FROM "booking_requests" r JOIN "booking_offers" o ON o."request_id" = r."id" AND o."status" = 'open'
  WHERE r."id" = ANY(requests) AND r."status" = 'negotiating'
  UNION ALL
  SELECT h."id", r."id", 'hold_' || least(h."priority", 3) || CASE WHEN h."challenge_deadline" IS NOT NULL THEN '_challenged' ELSE '' END,
         r."agency_id", r."artist_id", least(h."expires_at", coalesce(h."challenge_deadline", 'infinity'))
  FROM "booking_requests" r JOIN "booking_holds" h ON h."request_id" = r."id" AND h."status" = 'active'
  WHERE r."id" = ANY(requests) AND r."status" = 'held'
$$;

-- Brings a request's items in line with its pipeline: what changed goes, what is new comes, the rest stays.
-- Every writer of a pipeline holds its request's row lock (booking's lockRequest), so two never interleave here.
CREATE FUNCTION "pipeline_items_refresh"(request uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "pipeline_live_items" i WHERE i."request_id" = request AND NOT EXISTS (
    SELECT 1 FROM "pipeline_items_wanted"(ARRAY[request]) w
    WHERE w."subject_id" = i."subject_id" AND w."kind" = i."kind" AND w."agency_id" = i."agency_id" AND w."artist_id" = i."artist_id"
      AND w."due_at" = i."due_at");
  INSERT INTO "pipeline_live_items" ("subject_id", "request_id", "kind", "agency_id", "artist_id", "due_at")
  SELECT * FROM "pipeline_items_wanted"(ARRAY[request])
  ON CONFLICT ("subject_id") DO NOTHING;
END
$$;

CREATE FUNCTION "pipeline_items_follow_request"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "pipeline_items_refresh"(CASE WHEN TG_OP = 'DELETE' THEN OLD."id" ELSE NEW."id" END);
  RETURN NULL;
END
$$;
CREATE TRIGGER "pipeline_items_follow_request"
  AFTER INSERT OR DELETE OR UPDATE OF "status", "expires_at", "starts_at", "agency_id", "artist_id" ON "booking_requests"
  FOR EACH ROW EXECUTE FUNCTION "pipeline_items_follow_request"();

CREATE FUNCTION "pipeline_items_follow_subject"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM "pipeline_items_refresh"(OLD."request_id");
  END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM "pipeline_items_refresh"(NEW."request_id");
  ELSIF TG_OP = 'UPDATE' THEN
    IF NEW."request_id" <> OLD."request_id" THEN
      PERFORM "pipeline_items_refresh"(NEW."request_id");
    END IF;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER "pipeline_items_follow_offer"
  AFTER INSERT OR DELETE OR UPDATE OF "status", "expires_at", "made_by", "request_id" ON "booking_offers"
  FOR EACH ROW EXECUTE FUNCTION "pipeline_items_follow_subject"();
CREATE TRIGGER "pipeline_items_follow_hold"
  AFTER INSERT OR DELETE OR UPDATE OF "status", "priority", "expires_at", "challenge_deadline", "request_id" ON "booking_holds"
  FOR EACH ROW EXECUTE FUNCTION "pipeline_items_follow_subject"();

-- An item's coming and going is queued as a change of the transaction...
CREATE FUNCTION "pipeline_counts_follow"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO "pipeline_count_changes" ("xact_id", "agency_id", "artist_id", "kind", "day", "delta")
    VALUES (pg_current_xact_id()::text::bigint, OLD."agency_id", OLD."artist_id", OLD."kind", (OLD."due_at" AT TIME ZONE 'UTC')::date, -1);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO "pipeline_count_changes" ("xact_id", "agency_id", "artist_id", "kind", "day", "delta")
    VALUES (pg_current_xact_id()::text::bigint, NEW."agency_id", NEW."artist_id", NEW."kind", (NEW."due_at" AT TIME ZONE 'UTC')::date, 1);
  END IF;
  RETURN NULL;
END
$$;

-- ...and settled at its commit, summed per count and applied in key order: a large agency's counts are hot
-- rows, and two transactions that took them in opposite orders would deadlock. The first firing of the
-- commit settles all of the transaction's changes; the others find none.
CREATE FUNCTION "pipeline_counts_settle"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  xact bigint := pg_current_xact_id()::text::bigint;
BEGIN
  INSERT INTO "pipeline_agency_counts" AS c ("agency_id", "kind", "day", "count")
  SELECT ch."agency_id", ch."kind", ch."day", sum(ch."delta")::int FROM "pipeline_count_changes" ch WHERE ch."xact_id" = xact
  GROUP BY 1, 2, 3 HAVING sum(ch."delta") <> 0 ORDER BY 1, 2, 3
  ON CONFLICT ("agency_id", "kind", "day") DO UPDATE SET "count" = c."count" + EXCLUDED."count", "updated_at" = now();
  INSERT INTO "pipeline_artist_counts" AS c ("artist_id", "agency_id", "kind", "day", "count")
  SELECT ch."artist_id", ch."agency_id", ch."kind", ch."day", sum(ch."delta")::int FROM "pipeline_count_changes" ch WHERE ch."xact_id" = xact
  GROUP BY 1, 2, 3, 4 HAVING sum(ch."delta") <> 0 ORDER BY 1, 2, 3, 4
  ON CONFLICT ("artist_id", "agency_id", "kind", "day") DO UPDATE SET "count" = c."count" + EXCLUDED."count", "updated_at" = now();
  DELETE FROM "pipeline_count_changes" WHERE "xact_id" = xact;
  RETURN NULL;
END
$$;

-- Rebuilds the items from the pipelines and the counts from the items (this migration; bulk loads that ran
-- without triggers). On a quiet database: concurrent pipeline writes would be lost from the counts.
CREATE FUNCTION "pipeline_counts_rebuild"() RETURNS void LANGUAGE sql AS $$
  DELETE FROM "pipeline_live_items";
  INSERT INTO "pipeline_live_items" ("subject_id", "request_id", "kind", "agency_id", "artist_id", "due_at")
  SELECT * FROM "pipeline_items_wanted"(ARRAY(SELECT "id" FROM "booking_requests" WHERE "status" IN ('open', 'negotiating', 'held')));
  DELETE FROM "pipeline_agency_counts";
  DELETE FROM "pipeline_artist_counts";
  INSERT INTO "pipeline_agency_counts" ("agency_id", "kind", "day", "count")
  SELECT "agency_id", "kind", ("due_at" AT TIME ZONE 'UTC')::date, count(*) FROM "pipeline_live_items" GROUP BY 1, 2, 3;
  INSERT INTO "pipeline_artist_counts" ("artist_id", "agency_id", "kind", "day", "count")
  SELECT "artist_id", "agency_id", "kind", ("due_at" AT TIME ZONE 'UTC')::date, count(*) FROM "pipeline_live_items" GROUP BY 1, 2, 3, 4;
  -- What the item writes above queued for this transaction's commit is in the counts already.
  DELETE FROM "pipeline_count_changes" WHERE "xact_id" = pg_current_xact_id()::text::bigint;
$$;

CREATE TRIGGER "pipeline_counts_follow" AFTER INSERT OR UPDATE OR DELETE ON "pipeline_live_items"
  FOR EACH ROW EXECUTE FUNCTION "pipeline_counts_follow"();
CREATE CONSTRAINT TRIGGER "pipeline_counts_settle" AFTER INSERT ON "pipeline_count_changes" DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION "pipeline_counts_settle"();

-- Pipelines opened before this migration.
SELECT "pipeline_counts_rebuild"();

CREATE INDEX "pipeline_live_items_agency_idx" ON "pipeline_live_items" ("agency_id", "due_at") INCLUDE ("kind");
CREATE INDEX "pipeline_live_items_artist_idx" ON "pipeline_live_items" ("artist_id", "due_at") INCLUDE ("kind", "agency_id", "subject_id", "request_id");
