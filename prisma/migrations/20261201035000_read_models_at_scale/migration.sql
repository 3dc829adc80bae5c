-- AlterTable
ALTER TABLE "contracts" ADD COLUMN     "agency_id" UUID,
ADD COLUMN     "artist_id" UUID,
ADD COLUMN     "promoter_org_id" UUID;

-- CreateIndex
CREATE INDEX "geo_cities_latitude_longitude_idx" ON "geo_cities"("latitude", "longitude");

-- raw-sql: the read models' partial indexes carry the columns their readers need (bench/dashboards.ts):
-- counting a large agency's live pipeline and finding its next shows become index-only scans, without a
-- heap visit per row.
DROP INDEX "booking_requests_live_agency_idx";
DROP INDEX "booking_requests_live_artist_idx";
DROP INDEX "booking_requests_live_promoter_idx";
DROP INDEX "booking_holds_active_idx";
DROP INDEX "bookings_agency_upcoming_idx";
DROP INDEX "bookings_artist_upcoming_idx";
DROP INDEX "bookings_promoter_upcoming_idx";
CREATE INDEX "booking_requests_live_agency_idx" ON "booking_requests" ("agency_id", "status", "starts_at") INCLUDE ("id", "expires_at")
  WHERE "status" IN ('open', 'negotiating', 'held');
CREATE INDEX "booking_requests_live_artist_idx" ON "booking_requests" ("artist_id", "status", "starts_at") INCLUDE ("id", "expires_at")
  WHERE "status" IN ('open', 'negotiating', 'held');
CREATE INDEX "booking_requests_live_promoter_idx" ON "booking_requests" ("promoter_org_id", "status", "starts_at") INCLUDE ("id", "expires_at")
  WHERE "status" IN ('open', 'negotiating', 'held');
CREATE INDEX "booking_holds_active_idx" ON "booking_holds" ("request_id") INCLUDE ("priority", "expires_at", "challenge_deadline")
  WHERE "status" = 'active';
CREATE INDEX "bookings_agency_upcoming_idx" ON "bookings" ("agency_id", "starts_at") INCLUDE ("id", "artist_id") WHERE "status" = 'confirmed';
CREATE INDEX "bookings_artist_upcoming_idx" ON "bookings" ("artist_id", "starts_at") INCLUDE ("id", "request_id") WHERE "status" = 'confirmed';
CREATE INDEX "bookings_promoter_upcoming_idx" ON "bookings" ("promoter_org_id", "starts_at") INCLUDE ("id", "artist_id", "request_id") WHERE "status" = 'confirmed';

-- The marketplace's budget filter reads both bounds of the guidance: its count is an index-only range.
CREATE INDEX "marketplace_artists_budget_idx" ON "marketplace_artists" ("fee_currency", "fee_min") INCLUDE ("fee_max");

-- A contract carries its request's parties (a request's artist, agency and promoter never change), written
-- by the database whatever the write path, so that the contracts waiting for a company's signature are an
-- index range of that company's rather than a walk of every pending contract on the platform.
CREATE FUNCTION "contracts_parties_follow"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT r."artist_id", r."agency_id", r."promoter_org_id" INTO NEW."artist_id", NEW."agency_id", NEW."promoter_org_id"
  FROM "booking_requests" r WHERE r."id" = NEW."request_id";
  RETURN NEW;
END
$$;
CREATE TRIGGER "contracts_parties_follow" BEFORE INSERT OR UPDATE OF "request_id", "artist_id", "agency_id", "promoter_org_id" ON "contracts"
  FOR EACH ROW EXECUTE FUNCTION "contracts_parties_follow"();
UPDATE "contracts" c SET "request_id" = c."request_id";
CREATE INDEX "contracts_awaiting_agency_idx" ON "contracts" ("agency_id") WHERE "status" IN ('sent', 'partially_signed');
CREATE INDEX "contracts_awaiting_artist_idx" ON "contracts" ("artist_id") WHERE "status" IN ('sent', 'partially_signed');
CREATE INDEX "contracts_awaiting_promoter_idx" ON "contracts" ("promoter_org_id") WHERE "status" IN ('sent', 'partially_signed');
