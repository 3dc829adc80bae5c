-- Availability search by genre, sorted by name (issue 15): the page read its genre's every window of the period
-- (one GiST range, 8,016 entries for a week of techno in Spain) to sort all matching artists (1,461) by name and
-- carry their exact total, where the faces show a total up to 1,000. Two indexes of the windows by genre let it
-- stop early: the genre's windows in name order, walked until the page is full, and its windows holding a day,
-- counted up to 1,001 (the period's first day: at most one window of an artist holds it).

-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)

-- A window's days as one range of bigints, its genre's hash above them: a genre's windows holding a day (or
-- overlapping a period) are one search of an SP-GiST index, where a GiST on (genre, days) pays for every entry
-- of the pages it visits. Genres whose hashes collide share ranges: a search still tests `genre_id` (included).
-- Days are counted from 2000-01-01 in the low 20 bits (until the year 4870).
CREATE FUNCTION "availability_genre_days"(genre_id uuid, starts_on date, ends_on date) RETURNS int8range
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN int8range(uuid_hash(genre_id)::bigint * 1048576 + (starts_on - date '2000-01-01'),
                   uuid_hash(genre_id)::bigint * 1048576 + (ends_on - date '2000-01-01'), '[]');
CREATE FUNCTION "availability_genre_day"(genre_id uuid, day date) RETURNS bigint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN uuid_hash(genre_id)::bigint * 1048576 + (day - date '2000-01-01');

-- A genre's windows holding a day, covering what a search's match reads.
CREATE INDEX "availability_genre_windows_days_idx" ON "availability_genre_windows"
  USING spgist ("availability_genre_days"("genre_id", "starts_on", "ends_on"))
  INCLUDE ("genre_id", "artist_id", "starts_on", "ends_on", "status", "country_id", "currency", "fee_min", "fee_max", "booked_on");

-- A genre's windows in its artists' name order (then artist), covering what a search's match reads.
CREATE INDEX "availability_genre_windows_name_idx" ON "availability_genre_windows" ("genre_id", "name", "artist_id")
  INCLUDE ("starts_on", "ends_on", "status", "country_id", "currency", "fee_min", "fee_max", "booked_on");
