-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)

-- A genre, country or city changed (migration artist_cards): its artists are found in the trigger's snapshot, where a
-- link to it written by a transaction still open (an artist_genres row, an artist's city or country) is not. When that
-- transaction commits first, a read in between renders the artist at the link's version with the old name, and the
-- change, committing after, never bumped it: that card would be served until the artist changed again. So the artists
-- found are bumped, then the changed rows locked FOR UPDATE, which waits for every open transaction whose foreign key
-- check holds one of them (KEY SHARE) and holds new ones off until this transaction ends, and the artists linked
-- meanwhile (read in a snapshot taken after the wait) are bumped too. Bumping before the lock lets a writer that holds
-- an artist's version and then links it again (artists.update replaces the genre links) finish instead of deadlocking.
CREATE OR REPLACE FUNCTION "artist_cards_shown_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
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
