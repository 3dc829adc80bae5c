-- Archived artists' windows out of the search's indexes (issue 15). Every search excluded them with a hashed list of
-- the archived artists, built per statement from artists_archived_idx (0.35–0.5 ms for the bench's 2,017, up to three
-- times in a statement, growing with every artist archived), or with an anti-join that the planner weighed in every
-- plan. A window now carries whether its artist is listed (`artist_listed`, kept by triggers), the partial indexes the
-- search reads hold only listed artists' open windows, and the windows by genre hold none of an archived artist's.

-- Rebuilt below with the new predicate (one bulk build each, after the backfill).
DROP INDEX "artist_availabilities_open_range_idx";
DROP INDEX "artist_availabilities_open_artist_idx";
DROP INDEX "artist_availabilities_open_fee_idx";

-- AlterTable (a read model of the artist's row that only the search's SQL reads: no face shows it)
ALTER TABLE "artist_availabilities" ADD COLUMN "artist_listed" BOOLEAN NOT NULL DEFAULT true;

-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)

-- A window written (or moved to another artist) reads its artist's state after locking the artist's row, as the booked
-- days' trigger does: an archive committing meanwhile is waited for, then read. An unknown artist is left to the
-- foreign key's error.
CREATE FUNCTION "artist_availabilities_listed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."artist_listed" := coalesce((SELECT "archived_at" IS NULL FROM "artists" WHERE "id" = NEW."artist_id" FOR NO KEY UPDATE), true);
  RETURN NEW;
END
$$;
CREATE TRIGGER "artist_availabilities_listed" BEFORE INSERT OR UPDATE OF "artist_id", "artist_listed"
  ON "artist_availabilities" FOR EACH ROW EXECUTE FUNCTION "artist_availabilities_listed"();

-- An artist archived or listed again: its windows follow, in the transaction of the change (which holds the artist's
-- row, so a window written meanwhile waits for it). Their update refreshes the windows by genre and the names.
CREATE FUNCTION "artists_listed_windows"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "artist_availabilities" SET "artist_listed" = (NEW."archived_at" IS NULL)
  WHERE "artist_id" = NEW."id" AND "artist_listed" <> (NEW."archived_at" IS NULL);
  RETURN NULL;
END
$$;
CREATE TRIGGER "artists_listed_windows" AFTER UPDATE OF "archived_at" ON "artists"
  FOR EACH ROW WHEN ((OLD."archived_at" IS NULL) <> (NEW."archived_at" IS NULL)) EXECUTE FUNCTION "artists_listed_windows"();

-- The refreshes of the read models read an artist's open windows through the artist index, whose predicate now names the
-- flag: each says it too (the flag is its artist's state: an archive or a restore updates the windows before any
-- refresh reads them, in its transaction).

-- As before (availability_genre_names), without an archived artist's windows.
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
  WHERE w."artist_id" = ANY(artist_ids) AND w."status" <> 'blocked' AND w."artist_listed" AND x.id IS NOT NULL;
END
$$;

-- As before (availability_names), reading the listed artists' windows.
CREATE OR REPLACE FUNCTION "availability_names_refresh"(artist_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM "artists" WHERE "id" = ANY(artist_ids) ORDER BY "id" FOR NO KEY UPDATE;
  WITH fresh AS (
    SELECT a."id" AS "artist_id", a."name", a."name_search",
           coalesce(range_agg(d.days) FILTER (WHERE w."status" = 'available'), '{}') AS "available_on",
           coalesce(range_agg(d.days) FILTER (WHERE w."status" = 'tentative'), '{}') AS "tentative_on"
    FROM "artists" a
    JOIN "artist_availabilities" w ON w."artist_id" = a."id" AND w."status" <> 'blocked' AND w."artist_listed"
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

-- As before (marketplace), reading the listed artists' windows.
CREATE OR REPLACE FUNCTION "marketplace_refresh"(artist_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM "artists" WHERE "id" = ANY(artist_ids) ORDER BY "id" FOR NO KEY UPDATE;
  DELETE FROM "marketplace_artists" m WHERE m."artist_id" = ANY(artist_ids)
    AND NOT EXISTS (SELECT 1 FROM "artists" a WHERE a."id" = m."artist_id" AND a."archived_at" IS NULL);
  INSERT INTO "marketplace_artists" AS m ("artist_id", "name", "genre_ids", "country_id", "city_id", "fee_min", "fee_max",
                                          "fee_currency", "free_on", "next_available_on", "active_at", "updated_at")
  SELECT a."id", a."name", coalesce(g.genre_ids, '{}'), a."country_id", a."city_id", p."fee_guidance_min", p."fee_guidance_max",
         p."fee_guidance_currency", f.free_on, lower(f.free_on), greatest(a."updated_at", w.active_at, b.active_at), now()
  FROM "artists" a
  LEFT JOIN "artist_profiles" p ON p."artist_id" = a."id"
  LEFT JOIN LATERAL (
    SELECT array_agg(DISTINCT x.id) AS genre_ids
    FROM "artist_genres" ag JOIN "genres" ge ON ge."id" = ag."genre_id",
    LATERAL (VALUES (ge."id"), (ge."parent_id")) x(id)
    WHERE ag."artist_id" = a."id" AND x.id IS NOT NULL
  ) g ON true
  LEFT JOIN LATERAL (
    SELECT (range_agg(daterange(w."starts_on", w."ends_on", '[]')) - coalesce(range_agg(w."booked_on"), '{}'))
             * datemultirange(daterange(current_date, NULL)) AS free_on
    FROM "artist_availabilities" w
    WHERE w."artist_id" = a."id" AND w."status" <> 'blocked' AND w."artist_listed" AND w."ends_on" >= current_date
  ) f ON true
  LEFT JOIN LATERAL (SELECT max(w."updated_at") AS active_at FROM "artist_availabilities" w WHERE w."artist_id" = a."id") w ON true
  LEFT JOIN LATERAL (SELECT max(b."updated_at") AS active_at FROM "bookings" b WHERE b."artist_id" = a."id") b ON true
  WHERE a."id" = ANY(artist_ids) AND a."archived_at" IS NULL
  ON CONFLICT ("artist_id") DO UPDATE SET
    "name" = excluded."name", "genre_ids" = excluded."genre_ids", "country_id" = excluded."country_id",
    "city_id" = excluded."city_id", "fee_min" = excluded."fee_min", "fee_max" = excluded."fee_max",
    "fee_currency" = excluded."fee_currency", "free_on" = excluded."free_on",
    "next_available_on" = excluded."next_available_on", "active_at" = excluded."active_at", "updated_at" = now();
END
$$;

-- The archived artists' windows: their update also takes their rows out of the windows by genre.
UPDATE "artist_availabilities" w SET "artist_listed" = false
FROM "artists" a WHERE a."id" = w."artist_id" AND a."archived_at" IS NOT NULL;

-- As before (availability_search_walks), of listed artists' open windows only.
CREATE INDEX "artist_availabilities_open_artist_idx" ON "artist_availabilities" ("artist_id", "ends_on")
  INCLUDE ("starts_on", "status", "country_id", "currency", "fee_min", "fee_max", "booked_on", "id")
  WHERE "status" <> 'blocked' AND "artist_listed";

CREATE INDEX "artist_availabilities_open_fee_idx" ON "artist_availabilities" ((coalesce("fee_min", "fee_max")), "artist_id")
  INCLUDE ("starts_on", "ends_on", "status", "country_id", "currency", "fee_min", "fee_max", "booked_on", "id")
  WHERE "status" <> 'blocked' AND "artist_listed";

CREATE INDEX "artist_availabilities_open_range_idx" ON "artist_availabilities"
  USING spgist (daterange("starts_on", "ends_on", '[]'))
  INCLUDE ("starts_on", "ends_on", "artist_id", "status", "country_id", "currency", "fee_min", "fee_max", "booked_on", "id")
  WHERE "status" <> 'blocked' AND "artist_listed";

-- The archived artists' own index served only the search's list of them.
DROP INDEX "artists_archived_idx";
