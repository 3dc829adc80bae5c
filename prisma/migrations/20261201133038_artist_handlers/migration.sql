-- CreateTable
CREATE TABLE "artist_handlers" (
    "artist_id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "artist_handlers_pkey" PRIMARY KEY ("artist_id","agency_id")
);

-- raw-sql: which agencies have handled an artist's requests or bookings. The agency dashboard sees, beside
-- what it handles, what another agency handles for the artists on its side today; it probed other agencies'
-- day counts, items, contracts, roll-ups and shows for each of its artists (~3,500 of its 4,130 buffers at
-- 200 artists, nearly all finding nothing). With these pairs it probes only the artists another agency has
-- handled. Every one of those rows carries the agency of a request (items, counts, contracts) or of a booking
-- (roll-ups, shows), so a pair is written with each request and booking, in its transaction. A pair never
-- leaves (a request or booking is never deleted, and one whose parties were rewritten may have rows under its
-- old agency): the set may say too much, never too little, and the readers read the rows themselves.
-- ON CONFLICT DO NOTHING takes no lock on a pair that exists: writers of one artist never queue on it.
CREATE FUNCTION "artist_handlers_follow"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "artist_handlers" ("artist_id", "agency_id") VALUES (NEW."artist_id", NEW."agency_id") ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
CREATE TRIGGER "artist_handlers_follow_request" AFTER INSERT OR UPDATE OF "artist_id", "agency_id" ON "booking_requests"
  FOR EACH ROW EXECUTE FUNCTION "artist_handlers_follow"();
CREATE TRIGGER "artist_handlers_follow_booking" AFTER INSERT OR UPDATE OF "artist_id", "agency_id" ON "bookings"
  FOR EACH ROW EXECUTE FUNCTION "artist_handlers_follow"();

-- The pairs of every request and booking (this migration; bulk loads that ran without triggers).
CREATE FUNCTION "artist_handlers_backfill"() RETURNS void LANGUAGE sql AS $$
  INSERT INTO "artist_handlers" ("artist_id", "agency_id")
  SELECT "artist_id", "agency_id" FROM "booking_requests" UNION SELECT "artist_id", "agency_id" FROM "bookings"
  ON CONFLICT DO NOTHING;
$$;
SELECT "artist_handlers_backfill"();
