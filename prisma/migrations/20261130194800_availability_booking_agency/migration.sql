-- Availability is the booking agency's to publish: windows published by a company that never held the
-- artist's agency role (a management company, under the earlier rule) are removed, so they no longer
-- block the booking agency's dates.
DELETE FROM "artist_availabilities" w
WHERE NOT EXISTS (
  SELECT 1 FROM "artists_roster_links" l
  WHERE l."artist_id" = w."artist_id" AND l."agency_id" = w."agency_id" AND l."role" = 'agency'
);
