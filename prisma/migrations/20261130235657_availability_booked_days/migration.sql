-- Availability search subtracts confirmed bookings (issue 20): each window carries the days of it the artist
-- is booked on, kept by triggers in the transaction that writes the booking or the window, so the search
-- reads them from the window's index entry instead of joining the bookings of every candidate.

-- AlterTable
ALTER TABLE "artist_availabilities" ADD COLUMN     "booked_on" datemultirange;

-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)

-- The days a booking takes: the UTC days its time touches, as the booking module reads request dates
-- against windows (availabilityWarnings).
CREATE FUNCTION "artists_booking_days"(starts_at timestamptz, ends_at timestamptz) RETURNS daterange
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN daterange((starts_at AT TIME ZONE 'UTC')::date, ((ends_at - interval '1 millisecond') AT TIME ZONE 'UTC')::date, '[]');

-- The days of [starts_on, ends_on] on which the artist has a confirmed booking; null when none. Volatile
-- on purpose: called after the artist's lock, it must read with a fresh snapshot what the lock's previous
-- holder committed.
CREATE FUNCTION "artists_booked_days"(artist uuid, starts_on date, ends_on date) RETURNS datemultirange
  LANGUAGE sql VOLATILE
  RETURN (
    SELECT range_agg("artists_booking_days"(b."starts_at", b."ends_at") * daterange(starts_on, ends_on, '[]'))
    FROM "bookings" b
    WHERE b."artist_id" = artist AND b."status" = 'confirmed'
      AND b."starts_at" < (ends_on + 1)::timestamp AT TIME ZONE 'UTC' AND b."ends_at" > starts_on::timestamp AT TIME ZONE 'UTC'
  );

-- Writers of an artist's bookings and of its windows' days lock the artist's row, so that a window written
-- while a booking of its days commits is never left without them (and the reverse). A row lock, not an
-- advisory one: a bulk write of many artists' windows would fill the lock table.
CREATE FUNCTION "artists_lock_booked_days"(artist uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM "artists" WHERE "id" = artist FOR NO KEY UPDATE;
END
$$;

CREATE FUNCTION "artist_availabilities_booked_on"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "artists_lock_booked_days"(NEW."artist_id");
  NEW."booked_on" := "artists_booked_days"(NEW."artist_id", NEW."starts_on", NEW."ends_on");
  RETURN NEW;
END
$$;

CREATE TRIGGER "artist_availabilities_booked_on" BEFORE INSERT OR UPDATE OF "artist_id", "starts_on", "ends_on"
  ON "artist_availabilities" FOR EACH ROW EXECUTE FUNCTION "artist_availabilities_booked_on"();

-- A booking confirmed, cancelled, moved or removed: the windows of its days (before and after) are recomputed.
CREATE FUNCTION "bookings_booked_on"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  b record;
BEGIN
  FOR b IN SELECT * FROM (VALUES (OLD."artist_id", OLD."starts_at", OLD."ends_at"), (NEW."artist_id", NEW."starts_at", NEW."ends_at")) v(artist_id, starts_at, ends_at)
           WHERE v.artist_id IS NOT NULL ORDER BY v.artist_id
  LOOP
    PERFORM "artists_lock_booked_days"(b.artist_id);
    UPDATE "artist_availabilities" w SET "booked_on" = "artists_booked_days"(w."artist_id", w."starts_on", w."ends_on")
    WHERE w."artist_id" = b.artist_id AND w."starts_on" <= upper("artists_booking_days"(b.starts_at, b.ends_at))
      AND w."ends_on" >= lower("artists_booking_days"(b.starts_at, b.ends_at));
  END LOOP;
  RETURN NULL;
END
$$;

CREATE TRIGGER "bookings_booked_on" AFTER INSERT OR DELETE OR UPDATE OF "artist_id", "starts_at", "ends_at", "status"
  ON "bookings" FOR EACH ROW EXECUTE FUNCTION "bookings_booked_on"();

-- Windows already published meet the bookings already confirmed.
UPDATE "artist_availabilities" w SET "booked_on" = "artists_booked_days"(w."artist_id", w."starts_on", w."ends_on")
WHERE EXISTS (SELECT 1 FROM "bookings" b WHERE b."artist_id" = w."artist_id" AND b."status" = 'confirmed');

-- The search's covering index carries the booked days too: a period's windows and what is left of them come
-- from the index alone.
DROP INDEX "artist_availabilities_open_range_idx";
CREATE INDEX "artist_availabilities_open_range_idx" ON "artist_availabilities"
  USING spgist (daterange("starts_on", "ends_on", '[]'))
  INCLUDE ("starts_on", "ends_on", "artist_id", "status", "country_id", "currency", "fee_min", "fee_max", "booked_on")
  WHERE "status" <> 'blocked';
