-- AlterTable
ALTER TABLE "artist_profiles" ADD COLUMN     "fee_guidance_currency" CHAR(3),
ADD COLUMN     "fee_guidance_max" BIGINT,
ADD COLUMN     "fee_guidance_min" BIGINT;

-- CreateTable
CREATE TABLE "marketplace_artists" (
    "artist_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "genre_ids" UUID[],
    "country_id" UUID,
    "city_id" UUID,
    "fee_min" BIGINT,
    "fee_max" BIGINT,
    "fee_currency" CHAR(3),
    "free_on" datemultirange,
    "next_available_on" DATE,
    "active_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "marketplace_artists_pkey" PRIMARY KEY ("artist_id")
);

-- CreateIndex
CREATE INDEX "marketplace_artists_next_available_on_artist_id_idx" ON "marketplace_artists"("next_available_on", "artist_id");

-- CreateIndex
CREATE INDEX "marketplace_artists_active_at_artist_id_idx" ON "marketplace_artists"("active_at" DESC, "artist_id");

-- CreateIndex
CREATE INDEX "marketplace_artists_fee_currency_fee_min_artist_id_idx" ON "marketplace_artists"("fee_currency", "fee_min", "artist_id");

-- CreateIndex
CREATE INDEX "marketplace_artists_country_id_idx" ON "marketplace_artists"("country_id");

-- CreateIndex
CREATE INDEX "marketplace_artists_city_id_idx" ON "marketplace_artists"("city_id");

-- CreateIndex
CREATE INDEX "marketplace_artists_genre_ids_idx" ON "marketplace_artists" USING GIN ("genre_ids");

-- CreateIndex
CREATE INDEX "marketplace_artists_name_trgm_idx" ON "marketplace_artists" USING GIN ("name" gin_trgm_ops);

-- AddForeignKey
ALTER TABLE "marketplace_artists" ADD CONSTRAINT "marketplace_artists_artist_id_fkey" FOREIGN KEY ("artist_id") REFERENCES "artists"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)

-- Published fee guidance: a range in one currency (one bound alone is open on the other side).
ALTER TABLE "artist_profiles" ADD CONSTRAINT "artist_profiles_fee_guidance_chk" CHECK (
  ("fee_guidance_min" IS NULL AND "fee_guidance_max" IS NULL) = ("fee_guidance_currency" IS NULL)
  AND ("fee_guidance_min" IS NULL OR "fee_guidance_max" IS NULL OR "fee_guidance_min" <= "fee_guidance_max")
  AND ("fee_guidance_min" IS NULL OR "fee_guidance_min" >= 0) AND ("fee_guidance_max" IS NULL OR "fee_guidance_max" >= 0)
);

-- The marketplace rows of these artists, as the base tables say now: written for listed artists, removed
-- for the others. Locks the artists' rows first (in id order: two writers never deadlock), as the booked
-- days' triggers do, and reads with a fresh snapshot after them.
CREATE FUNCTION "marketplace_refresh"(artist_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
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
    WHERE w."artist_id" = a."id" AND w."status" <> 'blocked' AND w."ends_on" >= current_date
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

-- Every listed artist's row from scratch (the operators' rebuild route; the benchmark's seed).
CREATE FUNCTION "marketplace_rebuild"() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  written integer;
BEGIN
  DELETE FROM "marketplace_artists";
  PERFORM "marketplace_refresh"(array_agg("id")) FROM "artists";
  SELECT count(*) INTO written FROM "marketplace_artists";
  RETURN written;
END
$$;

-- Statement-level triggers: a bulk write refreshes each artist it touched once, set-based.
CREATE FUNCTION "marketplace_touched"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    EXECUTE format('SELECT array_agg(DISTINCT %I) FROM touched_new', TG_ARGV[0]) INTO ids;
  ELSIF TG_OP = 'DELETE' THEN
    EXECUTE format('SELECT array_agg(DISTINCT %I) FROM touched_old', TG_ARGV[0]) INTO ids;
  ELSE
    EXECUTE format('SELECT array_agg(DISTINCT id) FROM (SELECT %1$I AS id FROM touched_new UNION SELECT %1$I FROM touched_old) t', TG_ARGV[0]) INTO ids;
  END IF;
  IF ids IS NOT NULL THEN
    PERFORM "marketplace_refresh"(ids);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "marketplace_artists_inserted" AFTER INSERT ON "artists"
  REFERENCING NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "marketplace_touched"('id');
CREATE TRIGGER "marketplace_artists_updated" AFTER UPDATE ON "artists"
  REFERENCING OLD TABLE AS touched_old NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "marketplace_touched"('id');
CREATE TRIGGER "marketplace_genres_inserted" AFTER INSERT ON "artist_genres"
  REFERENCING NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "marketplace_touched"('artist_id');
CREATE TRIGGER "marketplace_genres_updated" AFTER UPDATE ON "artist_genres"
  REFERENCING OLD TABLE AS touched_old NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "marketplace_touched"('artist_id');
CREATE TRIGGER "marketplace_genres_deleted" AFTER DELETE ON "artist_genres"
  REFERENCING OLD TABLE AS touched_old FOR EACH STATEMENT EXECUTE FUNCTION "marketplace_touched"('artist_id');
CREATE TRIGGER "marketplace_profiles_inserted" AFTER INSERT ON "artist_profiles"
  REFERENCING NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "marketplace_touched"('artist_id');
CREATE TRIGGER "marketplace_profiles_updated" AFTER UPDATE ON "artist_profiles"
  REFERENCING OLD TABLE AS touched_old NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "marketplace_touched"('artist_id');
CREATE TRIGGER "marketplace_windows_inserted" AFTER INSERT ON "artist_availabilities"
  REFERENCING NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "marketplace_touched"('artist_id');
CREATE TRIGGER "marketplace_windows_updated" AFTER UPDATE ON "artist_availabilities"
  REFERENCING OLD TABLE AS touched_old NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "marketplace_touched"('artist_id');
CREATE TRIGGER "marketplace_windows_deleted" AFTER DELETE ON "artist_availabilities"
  REFERENCING OLD TABLE AS touched_old FOR EACH STATEMENT EXECUTE FUNCTION "marketplace_touched"('artist_id');
CREATE TRIGGER "marketplace_bookings_inserted" AFTER INSERT ON "bookings"
  REFERENCING NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "marketplace_touched"('artist_id');
CREATE TRIGGER "marketplace_bookings_updated" AFTER UPDATE ON "bookings"
  REFERENCING OLD TABLE AS touched_old NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "marketplace_touched"('artist_id');

-- A genre moved under another parent: its artists now match the new parent.
CREATE FUNCTION "marketplace_genre_moved"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "marketplace_refresh"(array_agg(ag."artist_id")) FROM "artist_genres" ag WHERE ag."genre_id" = NEW."id";
  RETURN NULL;
END
$$;
CREATE TRIGGER "marketplace_genre_moved" AFTER UPDATE OF "parent_id" ON "genres"
  FOR EACH ROW WHEN (OLD."parent_id" IS DISTINCT FROM NEW."parent_id") EXECUTE FUNCTION "marketplace_genre_moved"();

-- Artists listed before this migration.
SELECT "marketplace_rebuild"();
