-- Availability search narrowed by a genre (issue 15): a genre's matches are sparse among a period's windows, so
-- the search read every window of the period or probed every artist of the genre. This read model holds one
-- row per window that is not blocked and genre of its artist, parents included (a genre matches its
-- subgenres, as the search's `g.id = X OR g.parent_id = X`), with the columns the search reads: a genre's
-- windows of a period are one range of its covering GiST index, read from the index alone.

-- CreateTable
CREATE TABLE "availability_genre_windows" (
    "genre_id" UUID NOT NULL,
    "window_id" UUID NOT NULL,
    "artist_id" UUID NOT NULL,
    "starts_on" DATE NOT NULL,
    "ends_on" DATE NOT NULL,
    "status" "AvailabilityStatus" NOT NULL,
    "country_id" UUID,
    "fee_min" BIGINT,
    "fee_max" BIGINT,
    "currency" CHAR(3),
    "booked_on" datemultirange,

    CONSTRAINT "availability_genre_windows_pkey" PRIMARY KEY ("genre_id","window_id")
);

-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)

-- The rows of these artists' windows, as the base tables say now. Locks the artists' rows first (in id order:
-- two writers never deadlock), as the booked days' and the marketplace's triggers do, and reads with a fresh
-- snapshot after them: a window written while its artist's genres change (or the reverse) is never left with
-- the genres the other transaction replaced.
CREATE FUNCTION "availability_genre_refresh"(artist_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM "artists" WHERE "id" = ANY(artist_ids) ORDER BY "id" FOR NO KEY UPDATE;
  DELETE FROM "availability_genre_windows" WHERE "artist_id" = ANY(artist_ids);
  INSERT INTO "availability_genre_windows" ("genre_id", "window_id", "artist_id", "starts_on", "ends_on", "status", "country_id",
                                            "fee_min", "fee_max", "currency", "booked_on")
  SELECT DISTINCT x.id, w."id", w."artist_id", w."starts_on", w."ends_on", w."status", w."country_id", w."fee_min", w."fee_max",
         w."currency", w."booked_on"
  FROM "artist_availabilities" w
  JOIN "artist_genres" ag ON ag."artist_id" = w."artist_id"
  JOIN "genres" ge ON ge."id" = ag."genre_id",
  LATERAL (VALUES (ge."id"), (ge."parent_id")) x(id)
  WHERE w."artist_id" = ANY(artist_ids) AND w."status" <> 'blocked' AND x.id IS NOT NULL;
END
$$;

-- Every window's rows from scratch (the migration's backfill; the benchmark's seed, which loads with the
-- triggers off).
CREATE FUNCTION "availability_genre_rebuild"() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE "availability_genre_windows";
  PERFORM "availability_genre_refresh"(array_agg("id")) FROM "artists";
END
$$;

-- Statement-level: a bulk write refreshes each artist it touched once, set-based.
CREATE FUNCTION "availability_genre_touched"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT "artist_id") INTO ids FROM touched_new;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT "artist_id") INTO ids FROM touched_old;
  ELSE
    SELECT array_agg(DISTINCT t.id) INTO ids FROM (SELECT "artist_id" AS id FROM touched_new UNION SELECT "artist_id" FROM touched_old) t;
  END IF;
  IF ids IS NOT NULL THEN
    PERFORM "availability_genre_refresh"(ids);
  END IF;
  RETURN NULL;
END
$$;

-- A window written (its days, status, country, fees, or booked days through the bookings' trigger), or an
-- artist's genres changed.
CREATE TRIGGER "availability_genre_windows_inserted" AFTER INSERT ON "artist_availabilities"
  REFERENCING NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "availability_genre_touched"();
CREATE TRIGGER "availability_genre_windows_updated" AFTER UPDATE ON "artist_availabilities"
  REFERENCING OLD TABLE AS touched_old NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "availability_genre_touched"();
CREATE TRIGGER "availability_genre_windows_deleted" AFTER DELETE ON "artist_availabilities"
  REFERENCING OLD TABLE AS touched_old FOR EACH STATEMENT EXECUTE FUNCTION "availability_genre_touched"();
CREATE TRIGGER "availability_genre_genres_inserted" AFTER INSERT ON "artist_genres"
  REFERENCING NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "availability_genre_touched"();
CREATE TRIGGER "availability_genre_genres_updated" AFTER UPDATE ON "artist_genres"
  REFERENCING OLD TABLE AS touched_old NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "availability_genre_touched"();
CREATE TRIGGER "availability_genre_genres_deleted" AFTER DELETE ON "artist_genres"
  REFERENCING OLD TABLE AS touched_old FOR EACH STATEMENT EXECUTE FUNCTION "availability_genre_touched"();

-- A genre moved under another parent: its artists' windows now match the new parent, no longer the old one.
CREATE FUNCTION "availability_genre_moved"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "availability_genre_refresh"(array_agg(ag."artist_id")) FROM "artist_genres" ag WHERE ag."genre_id" = NEW."id" HAVING count(*) > 0;
  RETURN NULL;
END
$$;
CREATE TRIGGER "availability_genre_moved" AFTER UPDATE OF "parent_id" ON "genres"
  FOR EACH ROW WHEN (OLD."parent_id" IS DISTINCT FROM NEW."parent_id") EXECUTE FUNCTION "availability_genre_moved"();

-- The windows already published (before the indexes: one bulk build is faster than a million inserts into them).
SELECT "availability_genre_rebuild"();

-- Its rows of an artist: the triggers replace them.
CREATE INDEX "availability_genre_windows_artist_id_idx" ON "availability_genre_windows"("artist_id");

-- A genre's windows of a period, covering every column the search reads (btree_gist: uuid equality beside the
-- range overlap).
CREATE INDEX "availability_genre_windows_range_idx" ON "availability_genre_windows"
  USING gist ("genre_id", daterange("starts_on", "ends_on", '[]'))
  INCLUDE ("artist_id", "starts_on", "ends_on", "status", "country_id", "currency", "fee_min", "fee_max", "booked_on", "window_id");
