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

-- Paper on a hold drafted by an agency: that agency, the company its tenant company is bridged to (only the agency
-- acting for the artist drafts). Paper a promoter drafted on a hold keeps the request's agency.
UPDATE "contracts" c SET "agency_id" = k."company_id"
FROM "artists_company_claims" k
WHERE c."booking_id" IS NULL AND c."created_by_side" = 'agency' AND k."org_id" = c."created_by_org_id" AND k."status" = 'approved'
  AND c."agency_id" IS DISTINCT FROM k."company_id";
