-- DropIndex
DROP INDEX "marketplace_artists_active_at_artist_id_idx";

-- DropIndex
DROP INDEX "marketplace_artists_next_available_on_artist_id_idx";

-- raw-sql: a genre search sorted by activity or by next available date walks the sort's index and keeps the
-- rows of the genre: each row visited for its genres (a heap page for each of ~170 rows to fill a page of a
-- genre, ~700 for a subgenre, bench/marketplace.ts). With the genres in the index the filter is checked on
-- the index tuples (an index-only walk of a few leaf pages). Other filters and the count are unchanged.
CREATE INDEX "marketplace_artists_active_walk_idx" ON "marketplace_artists" ("active_at" DESC, "artist_id") INCLUDE ("genre_ids");
CREATE INDEX "marketplace_artists_soonest_walk_idx" ON "marketplace_artists" ("next_available_on", "artist_id") INCLUDE ("genre_ids");
