-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)

-- Availability search at 100,000 artists and 1,000,000 windows (issue 15): each page walks an index in the
-- order it asks for and stops once it is full, and the count stops at what the faces show (COUNT_TAKE),
-- instead of grouping every window of the period. The walks probe windows through two covering indexes of
-- the windows that are not blocked (the search's partial predicate), and the count and the fee walk keep
-- each artist's first window by id: every index carries `id`.

-- One artist's windows from a day on: probed per artist when walking artists (by name, a genre's or a
-- name's artists), and walked in artist order for the artists offered a period's first day. A btree probe
-- reads one leaf where the exclusion constraint's GiST index descends a tree per artist.
CREATE INDEX "artist_availabilities_open_artist_idx" ON "artist_availabilities" ("artist_id", "ends_on")
  INCLUDE ("starts_on", "status", "country_id", "currency", "fee_min", "fee_max", "booked_on", "id")
  WHERE "status" <> 'blocked';

-- Windows in fee order (lowest guidance, none last), by artist: a fee-sorted page reads them in order.
CREATE INDEX "artist_availabilities_open_fee_idx" ON "artist_availabilities" ((coalesce("fee_min", "fee_max")), "artist_id")
  INCLUDE ("starts_on", "ends_on", "status", "country_id", "currency", "fee_min", "fee_max", "booked_on", "id")
  WHERE "status" <> 'blocked';

-- The period's windows, now with their id: the count reads them from the index alone.
DROP INDEX "artist_availabilities_open_range_idx";
CREATE INDEX "artist_availabilities_open_range_idx" ON "artist_availabilities"
  USING spgist (daterange("starts_on", "ends_on", '[]'))
  INCLUDE ("starts_on", "ends_on", "artist_id", "status", "country_id", "currency", "fee_min", "fee_max", "booked_on", "id")
  WHERE "status" <> 'blocked';
