-- Availability search by genre, sorted by name (issue 15): the page read the name of every matching artist by
-- its key (1,441 artists for a week of techno in Spain: 5,764 of the statement's 6,436 buffers) to sort them.
-- The windows by genre carry their artist's name, so the genre's matching artists sort from the index alone.

-- AlterTable (filled below, before it is required)
ALTER TABLE "availability_genre_windows" ADD COLUMN "name" TEXT;

-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)

-- As before (availability_genre_windows), with the artist's name read under the same lock and snapshot.
CREATE OR REPLACE FUNCTION "availability_genre_refresh"(artist_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM "artists" WHERE "id" = ANY(artist_ids) ORDER BY "id" FOR NO KEY UPDATE;
  DELETE FROM "availability_genre_windows" WHERE "artist_id" = ANY(artist_ids);
  INSERT INTO "availability_genre_windows" ("genre_id", "window_id", "artist_id", "starts_on", "ends_on", "status", "country_id",
                                            "fee_min", "fee_max", "currency", "booked_on", "name")
  SELECT DISTINCT x.id, w."id", w."artist_id", w."starts_on", w."ends_on", w."status", w."country_id", w."fee_min", w."fee_max",
         w."currency", w."booked_on", a."name"
  FROM "artist_availabilities" w
  JOIN "artists" a ON a."id" = w."artist_id"
  JOIN "artist_genres" ag ON ag."artist_id" = w."artist_id"
  JOIN "genres" ge ON ge."id" = ag."genre_id",
  LATERAL (VALUES (ge."id"), (ge."parent_id")) x(id)
  WHERE w."artist_id" = ANY(artist_ids) AND w."status" <> 'blocked' AND x.id IS NOT NULL;
END
$$;

-- An artist renamed: its rows carry the new name, in the transaction of the rename (which holds the artist's
-- row, so a refresh of its windows waits for it and then reads the new name).
CREATE FUNCTION "availability_genre_renamed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "availability_genre_windows" SET "name" = NEW."name" WHERE "artist_id" = NEW."id";
  RETURN NULL;
END
$$;
CREATE TRIGGER "availability_genre_renamed" AFTER UPDATE OF "name" ON "artists"
  FOR EACH ROW WHEN (OLD."name" IS DISTINCT FROM NEW."name") EXECUTE FUNCTION "availability_genre_renamed"();

-- The rows already there, rebuilt without the range index (one bulk build is faster than a million inserts into it).
DROP INDEX "availability_genre_windows_range_idx";
SELECT "availability_genre_rebuild"();
ALTER TABLE "availability_genre_windows" ALTER COLUMN "name" SET NOT NULL;

-- A genre's windows of a period, covering every column the search reads, the name now too.
CREATE INDEX "availability_genre_windows_range_idx" ON "availability_genre_windows"
  USING gist ("genre_id", daterange("starts_on", "ends_on", '[]'))
  INCLUDE ("artist_id", "starts_on", "ends_on", "status", "country_id", "currency", "fee_min", "fee_max", "booked_on", "window_id", "name");
