-- A new booking changes one thing of its artist's marketplace row: `active_at`, the latest of the artist's,
-- its windows' and its bookings' `updated_at` (free days follow `artist_availabilities.booked_on`, whose own
-- trigger refreshes the row when a booking moves it). Recomputing the whole row (genres, free days, fee,
-- name) was a third of the confirmation's server time; the latest of the old value and the new bookings'
-- `updated_at` is the same value. The artists stay locked first, in id order, as `marketplace_refresh` locks
-- them: a refresh that waited on the lock then reads this booking.
CREATE FUNCTION "marketplace_bookings_added"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM "artists" WHERE "id" IN (SELECT "artist_id" FROM touched_new) ORDER BY "id" FOR NO KEY UPDATE;
  UPDATE "marketplace_artists" m SET "active_at" = greatest(m."active_at", t.active_at), "updated_at" = now()
  FROM (SELECT "artist_id", max("updated_at") AS active_at FROM touched_new GROUP BY "artist_id") t
  WHERE m."artist_id" = t."artist_id";
  RETURN NULL;
END
$$;

DROP TRIGGER "marketplace_bookings_inserted" ON "bookings";
CREATE TRIGGER "marketplace_bookings_inserted" AFTER INSERT ON "bookings"
  REFERENCING NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "marketplace_bookings_added"();
