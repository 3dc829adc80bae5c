-- Availability search by name (issue 15): a name's matches came from the trigram index on artists, and each was
-- then probed through the windows' artist index for the page and, until the 1,001st, for the count (2,142 probes
-- for "velvet" over two weeks at the bench's size: most of the statement). This read model holds one row per
-- listed artist with a window that is not blocked: its name (folded too, under a trigram index) and the days its
-- windows offer, booked days removed, apart for available and tentative windows. A name search with no other
-- filter of the windows than the period (and tentative) then finds its matches, their order and their count in
-- one bitmap scan of it: an artist matches when the days it offers overlap the period.

-- CreateTable
CREATE TABLE "availability_names" (
    "artist_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "name_search" TEXT NOT NULL,
    "available_on" datemultirange NOT NULL,
    "tentative_on" datemultirange NOT NULL,

    CONSTRAINT "availability_names_pkey" PRIMARY KEY ("artist_id")
);

-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)

-- The rows of these artists, as the base tables say now. Locks the artists' rows first (in id order: two writers
-- never deadlock), as the windows by genre do, and reads with a fresh snapshot after them: a window written while
-- its artist is renamed or archived (or the reverse) is never left with what the other transaction replaced.
-- A window's days less its booked days, as the search reads them (offeredDays): an artist offers a day of the
-- period exactly when one of its matching windows does. A row kept is updated in place, and only when it changed:
-- with its name unchanged the update is HOT where the page has room, so a window's write adds no entry to the
-- trigram index.
CREATE FUNCTION "availability_names_refresh"(artist_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM "artists" WHERE "id" = ANY(artist_ids) ORDER BY "id" FOR NO KEY UPDATE;
  WITH fresh AS (
    SELECT a."id" AS "artist_id", a."name", a."name_search",
           coalesce(range_agg(d.days) FILTER (WHERE w."status" = 'available'), '{}') AS "available_on",
           coalesce(range_agg(d.days) FILTER (WHERE w."status" = 'tentative'), '{}') AS "tentative_on"
    FROM "artists" a
    JOIN "artist_availabilities" w ON w."artist_id" = a."id" AND w."status" <> 'blocked'
    CROSS JOIN LATERAL unnest(datemultirange(daterange(w."starts_on", w."ends_on", '[]')) - coalesce(w."booked_on", '{}')) d(days)
    WHERE a."id" = ANY(artist_ids) AND a."archived_at" IS NULL
    GROUP BY a."id"
  ), gone AS (
    DELETE FROM "availability_names" n
    WHERE n."artist_id" = ANY(artist_ids) AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f."artist_id" = n."artist_id")
  )
  INSERT INTO "availability_names" AS n ("artist_id", "name", "name_search", "available_on", "tentative_on")
  SELECT * FROM fresh
  ON CONFLICT ("artist_id") DO UPDATE
    SET "name" = excluded."name", "name_search" = excluded."name_search", "available_on" = excluded."available_on",
        "tentative_on" = excluded."tentative_on"
    WHERE (n."name", n."available_on", n."tentative_on") IS DISTINCT FROM (excluded."name", excluded."available_on", excluded."tentative_on");
END
$$;

-- Every artist's row from scratch (the migration's backfill; the benchmark's seed, which loads with the triggers off).
CREATE FUNCTION "availability_names_rebuild"() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE "availability_names";
  PERFORM "availability_names_refresh"(array_agg("id")) FROM "artists";
END
$$;

-- Statement-level: a bulk write refreshes each artist it touched once, set-based.
CREATE FUNCTION "availability_names_touched"() RETURNS trigger LANGUAGE plpgsql AS $$
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
    PERFORM "availability_names_refresh"(ids);
  END IF;
  RETURN NULL;
END
$$;

-- A window written (its days, status, or booked days through the bookings' trigger), or deleted (an artist's
-- deletion cascades to its windows, so its row goes with them).
CREATE TRIGGER "availability_names_windows_inserted" AFTER INSERT ON "artist_availabilities"
  REFERENCING NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "availability_names_touched"();
CREATE TRIGGER "availability_names_windows_updated" AFTER UPDATE ON "artist_availabilities"
  REFERENCING OLD TABLE AS touched_old NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "availability_names_touched"();
CREATE TRIGGER "availability_names_windows_deleted" AFTER DELETE ON "artist_availabilities"
  REFERENCING OLD TABLE AS touched_old FOR EACH STATEMENT EXECUTE FUNCTION "availability_names_touched"();

-- An artist renamed, archived or listed again, in the transaction of the change (which holds the artist's row, so
-- a refresh of its windows waits for it and then reads the new name).
CREATE FUNCTION "availability_names_artist_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "availability_names_refresh"(ARRAY[NEW."id"]);
  RETURN NULL;
END
$$;
CREATE TRIGGER "availability_names_artist_changed" AFTER UPDATE OF "name", "archived_at" ON "artists"
  FOR EACH ROW WHEN (OLD."name" IS DISTINCT FROM NEW."name" OR (OLD."archived_at" IS NULL) <> (NEW."archived_at" IS NULL))
  EXECUTE FUNCTION "availability_names_artist_changed"();

-- The artists already there (before the index: one bulk build is faster than a hundred thousand inserts into it).
SELECT "availability_names_rebuild"();

-- A name's listed artists with days offered. Without GIN's pending list: every write of a window may rewrite its
-- artist's row, and a search would read the whole pending list (up to gin_pending_list_limit) until a vacuum merged it.
CREATE INDEX "availability_names_name_search_trgm_idx" ON "availability_names" USING gin ("name_search" gin_trgm_ops) WITH (fastupdate = off);
