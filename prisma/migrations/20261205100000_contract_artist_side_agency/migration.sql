-- A contract's agency is its artist side's (found in review, stop 32): the agency credited with its booking, or, for
-- paper sent early on a hold, the agency representing the artist when it was drafted (the one that will confirm the
-- hold). It copied the request's agency, which a handover does not change: the agency the request was sent to read
-- the contracts the new agency drafted after the handover, and was told of their events, where the new agency was
-- told of none. The service writes it when drafting and when the paper moves to its booking.

-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)

-- The artist and the promoter are the request's whatever a write says; so is the agency, unless the write names an
-- agency that books or booked the artist (a roster link of role `agency`, ended or not): a write cannot put a company
-- that never acted for the artist on the artist side of its paper, and the dashboards' ranges stay right.
CREATE OR REPLACE FUNCTION "contracts_parties_follow"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  request record;
BEGIN
  SELECT r."artist_id", r."agency_id", r."promoter_org_id" INTO request FROM "booking_requests" r WHERE r."id" = NEW."request_id";
  NEW."artist_id" := request."artist_id";
  NEW."promoter_org_id" := request."promoter_org_id";
  IF NEW."agency_id" IS NULL OR NOT EXISTS (
    SELECT 1 FROM "artists_roster_links" l
    WHERE l."artist_id" = request."artist_id" AND l."agency_id" = NEW."agency_id" AND l."role" = 'agency'
  ) THEN
    NEW."agency_id" := request."agency_id";
  END IF;
  RETURN NEW;
END
$$;

-- The paper of a booking: the agency credited with it.
UPDATE "contracts" c SET "agency_id" = b."agency_id"
FROM "bookings" b
WHERE b."id" = c."booking_id" AND c."agency_id" IS DISTINCT FROM b."agency_id";

-- Paper on a hold: the agency that booked the artist on the day it was drafted (an `agency` roster link in force
-- then), as the service now writes it; none in force, the request's.
UPDATE "contracts" c SET "agency_id" = l."agency_id"
FROM "artists_roster_links" l
WHERE c."booking_id" IS NULL AND l."artist_id" = c."artist_id" AND l."role" = 'agency'
  AND l."starts_on" <= c."created_at"::date AND (l."ends_on" IS NULL OR l."ends_on" >= c."created_at"::date)
  AND c."agency_id" IS DISTINCT FROM l."agency_id";

-- An agency whose paper is on an artist has handled the artist (artist_handlers): the agency dashboard looks at the
-- artists on its side that another agency handled for the contracts waiting for its signature, and paper on a hold
-- may now be an agency's that never had the artist's request or booking.
CREATE TRIGGER "artist_handlers_follow_contract" AFTER INSERT OR UPDATE OF "artist_id", "agency_id" ON "contracts"
  FOR EACH ROW WHEN (NEW."artist_id" IS NOT NULL AND NEW."agency_id" IS NOT NULL) EXECUTE FUNCTION "artist_handlers_follow"();
CREATE OR REPLACE FUNCTION "artist_handlers_backfill"() RETURNS void LANGUAGE sql AS $$
  INSERT INTO "artist_handlers" ("artist_id", "agency_id")
  SELECT "artist_id", "agency_id" FROM "booking_requests"
  UNION SELECT "artist_id", "agency_id" FROM "bookings"
  UNION SELECT "artist_id", "agency_id" FROM "contracts" WHERE "artist_id" IS NOT NULL AND "agency_id" IS NOT NULL
  ON CONFLICT DO NOTHING;
$$;
SELECT "artist_handlers_backfill"();
