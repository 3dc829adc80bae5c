-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)

-- Availability search (src/modules/availability): the windows overlapping a period. SP-GiST over the inclusive
-- date range answers `&&` about three times faster than GiST at a million windows. Covering: a period's windows
-- lie together in this index but all over the table, so the search reads them here alone (index-only scans);
-- starts_on and ends_on are included because the planner only considers an index-only scan when the columns of
-- the indexed expression are in the index too. Blocked windows never match a search: they stay out (queries
-- repeat `status <> 'blocked'` to use the index).
CREATE INDEX "artist_availabilities_open_range_idx" ON "artist_availabilities"
  USING spgist (daterange("starts_on", "ends_on", '[]'))
  INCLUDE ("starts_on", "ends_on", "artist_id", "status", "country_id", "currency", "fee_min", "fee_max")
  WHERE "status" <> 'blocked';

-- Listed artists in name order: a name-sorted search walks them and stops at the page.
CREATE INDEX "artists_listed_name_idx" ON "artists" ("name", "id") WHERE "archived_at" IS NULL;

-- The few archived artists: a search counting or grouping windows excludes them without touching the
-- rest of the artists table.
CREATE INDEX "artists_archived_idx" ON "artists" ("id") WHERE "archived_at" IS NOT NULL;
