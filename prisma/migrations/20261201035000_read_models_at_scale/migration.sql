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
CREATE INDEX "bookings_artist_upcoming_idx" ON "bookings" ("artist_id", "starts_at") INCLUDE ("id") WHERE "status" = 'confirmed';
CREATE INDEX "bookings_promoter_upcoming_idx" ON "bookings" ("promoter_org_id", "starts_at") INCLUDE ("id", "artist_id") WHERE "status" = 'confirmed';

-- The marketplace's budget filter reads both bounds of the guidance: its count is an index-only range.
CREATE INDEX "marketplace_artists_budget_idx" ON "marketplace_artists" ("fee_currency", "fee_min") INCLUDE ("fee_max");
