-- Rendered artist cards for the availability search's hits (issue 15): the artist's JSON with its profile, country,
-- city, genres and platform accounts cost about half of the hits statement's backend CPU, rebuilt on every search for
-- data that rarely changes. A card is what the REST face's view built, kept per shape (the hash of the SQL that built
-- it, so that a changed view never serves an old rendering) and per version: triggers bump an artist's version in the
-- transaction of any change a card shows, and a card is served only at its artist's current version. The read that
-- builds a card writes it back with the version it read in the same snapshot as the data, so a card built from data
-- a concurrent change replaced is never served.

CREATE TABLE "artist_card_versions" (
    "artist_id" UUID NOT NULL,
    "version" BIGINT NOT NULL,

    CONSTRAINT "artist_card_versions_pkey" PRIMARY KEY ("artist_id")
);

CREATE TABLE "artist_cards" (
    "artist_id" UUID NOT NULL,
    "shape" UUID NOT NULL,
    "version" BIGINT NOT NULL,
    "text" TEXT NOT NULL,

    CONSTRAINT "artist_cards_pkey" PRIMARY KEY ("artist_id","shape")
);

ALTER TABLE "artist_card_versions" ADD CONSTRAINT "artist_card_versions_artist_id_fkey" FOREIGN KEY ("artist_id") REFERENCES "artists"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "artist_cards" ADD CONSTRAINT "artist_cards_artist_id_fkey" FOREIGN KEY ("artist_id") REFERENCES "artists"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)

-- The artists' versions, one more each, locked in id order (two writers bumping the same artists never wait on each
-- other in opposite orders). An artist deleted in the same transaction (its relations cascade) is skipped.
CREATE FUNCTION "artist_cards_bump"(artist_ids uuid[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO "artist_card_versions" AS v ("artist_id", "version")
  SELECT a.id, 1 FROM (SELECT DISTINCT unnest(artist_ids) AS id) a
  WHERE EXISTS (SELECT 1 FROM "artists" x WHERE x."id" = a.id)
  ORDER BY a.id
  ON CONFLICT ("artist_id") DO UPDATE SET "version" = v."version" + 1
$$;

-- Statement-level: a bulk write bumps each artist it touched once. TG_ARGV[0] names the rows' artist column.
CREATE FUNCTION "artist_cards_rows_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    EXECUTE format('SELECT array_agg(%I) FROM touched_new', TG_ARGV[0]) INTO ids;
  ELSIF TG_OP = 'DELETE' THEN
    EXECUTE format('SELECT array_agg(%I) FROM touched_old', TG_ARGV[0]) INTO ids;
  ELSE
    EXECUTE format('SELECT array_agg(t.id) FROM (SELECT %1$I AS id FROM touched_new UNION ALL SELECT %1$I FROM touched_old) t', TG_ARGV[0]) INTO ids;
  END IF;
  IF ids IS NOT NULL THEN
    PERFORM "artist_cards_bump"(ids);
  END IF;
  RETURN NULL;
END
$$;

-- A genre, country or city changed (TG_ARGV[0] is the statement finding the artists that show it from the changed rows'
-- ids, $1): its artists are found in the trigger's snapshot, where a link to it written by a transaction still open (an
-- artist_genres row, an artist's city or country) is not. When that
-- transaction commits first, a read in between renders the artist at the link's version with the old name, and the
-- change, committing after, never bumped it: that card would be served until the artist changed again. So the artists
-- found are bumped, then the changed rows locked FOR UPDATE, which waits for every open transaction whose foreign key
-- check holds one of them (KEY SHARE) and holds new ones off until this transaction ends, and the artists linked
-- meanwhile (read in a snapshot taken after the wait) are bumped too. Bumping before the lock lets a writer that holds
-- an artist's version and then links it again (artists.update replaces the genre links) finish instead of deadlocking.
CREATE FUNCTION "artist_cards_shown_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed uuid[];
  ids uuid[];
  linked uuid[];
BEGIN
  SELECT array_agg("id" ORDER BY "id") INTO changed FROM touched_new;
  EXECUTE TG_ARGV[0] INTO ids USING changed;
  IF ids IS NOT NULL THEN
    PERFORM "artist_cards_bump"(ids);
  END IF;
  EXECUTE format('SELECT 1 FROM %I.%I WHERE "id" = ANY($1) ORDER BY "id" FOR UPDATE', TG_TABLE_SCHEMA, TG_TABLE_NAME) USING changed;
  EXECUTE TG_ARGV[0] INTO linked USING changed;
  SELECT array_agg(l.id) INTO linked FROM (SELECT unnest(linked) EXCEPT SELECT unnest(ids)) l(id);
  IF linked IS NOT NULL THEN
    PERFORM "artist_cards_bump"(linked);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "artist_cards_artists_updated" AFTER UPDATE ON "artists"
  REFERENCING OLD TABLE AS touched_old NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "artist_cards_rows_changed"('id');

CREATE TRIGGER "artist_cards_profiles_inserted" AFTER INSERT ON "artist_profiles"
  REFERENCING NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "artist_cards_rows_changed"('artist_id');
CREATE TRIGGER "artist_cards_profiles_updated" AFTER UPDATE ON "artist_profiles"
  REFERENCING OLD TABLE AS touched_old NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "artist_cards_rows_changed"('artist_id');
CREATE TRIGGER "artist_cards_profiles_deleted" AFTER DELETE ON "artist_profiles"
  REFERENCING OLD TABLE AS touched_old FOR EACH STATEMENT EXECUTE FUNCTION "artist_cards_rows_changed"('artist_id');

CREATE TRIGGER "artist_cards_genres_inserted" AFTER INSERT ON "artist_genres"
  REFERENCING NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "artist_cards_rows_changed"('artist_id');
CREATE TRIGGER "artist_cards_genres_updated" AFTER UPDATE ON "artist_genres"
  REFERENCING OLD TABLE AS touched_old NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "artist_cards_rows_changed"('artist_id');
CREATE TRIGGER "artist_cards_genres_deleted" AFTER DELETE ON "artist_genres"
  REFERENCING OLD TABLE AS touched_old FOR EACH STATEMENT EXECUTE FUNCTION "artist_cards_rows_changed"('artist_id');

CREATE TRIGGER "artist_cards_platform_accounts_inserted" AFTER INSERT ON "artist_platform_accounts"
  REFERENCING NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "artist_cards_rows_changed"('artist_id');
CREATE TRIGGER "artist_cards_platform_accounts_updated" AFTER UPDATE ON "artist_platform_accounts"
  REFERENCING OLD TABLE AS touched_old NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION "artist_cards_rows_changed"('artist_id');
CREATE TRIGGER "artist_cards_platform_accounts_deleted" AFTER DELETE ON "artist_platform_accounts"
  REFERENCING OLD TABLE AS touched_old FOR EACH STATEMENT EXECUTE FUNCTION "artist_cards_rows_changed"('artist_id');

-- Deleting a genre, country or city a card shows is refused (restricted foreign keys) or cascades to the rows above.
CREATE TRIGGER "artist_cards_genre_updated" AFTER UPDATE ON "genres"
  REFERENCING NEW TABLE AS touched_new FOR EACH STATEMENT
  EXECUTE FUNCTION "artist_cards_shown_changed"('SELECT array_agg(DISTINCT "artist_id") FROM "artist_genres" WHERE "genre_id" = ANY($1)');
CREATE TRIGGER "artist_cards_country_updated" AFTER UPDATE ON "geo_countries"
  REFERENCING NEW TABLE AS touched_new FOR EACH STATEMENT
  EXECUTE FUNCTION "artist_cards_shown_changed"('SELECT array_agg("id") FROM "artists" WHERE "country_id" = ANY($1)');
CREATE TRIGGER "artist_cards_city_updated" AFTER UPDATE ON "geo_cities"
  REFERENCING NEW TABLE AS touched_new FOR EACH STATEMENT
  EXECUTE FUNCTION "artist_cards_shown_changed"('SELECT array_agg("id") FROM "artists" WHERE "city_id" = ANY($1)');

-- TRUNCATE fires no row or statement trigger of the tables above: emptying the profiles, genre links or platform
-- accounts bumps every artist (the artists themselves, or a genre, country or city, truncate only with CASCADE, which
-- empties the cards or reaches these). Deleting the cards instead would not do: a read that rendered before the
-- TRUNCATE may write its card back after it, at the version it read.
CREATE FUNCTION "artist_cards_emptied"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "artist_cards_bump"(ARRAY(SELECT "id" FROM "artists"));
  RETURN NULL;
END
$$;

CREATE TRIGGER "artist_cards_profiles_truncated" AFTER TRUNCATE ON "artist_profiles"
  FOR EACH STATEMENT EXECUTE FUNCTION "artist_cards_emptied"();
CREATE TRIGGER "artist_cards_genres_truncated" AFTER TRUNCATE ON "artist_genres"
  FOR EACH STATEMENT EXECUTE FUNCTION "artist_cards_emptied"();
CREATE TRIGGER "artist_cards_platform_accounts_truncated" AFTER TRUNCATE ON "artist_platform_accounts"
  FOR EACH STATEMENT EXECUTE FUNCTION "artist_cards_emptied"();
