-- Free text by relevance walks this index nearest name first (`name_search <-> q`: trigram distance, which is
-- 1 − similarity) and stops once the page is full, instead of reading every match and sorting it by similarity.
-- The GIN trigram index stays for the count's LIKE (a bitmap of the matches).
CREATE INDEX "marketplace_artists_name_search_gist_idx" ON "marketplace_artists" USING GIST ("name_search" gist_trgm_ops);

-- "Near a city around a date": a city's confirmed shows overlapping the days, found by both bounds at once. On
-- (city_id, starts_at) only `starts_at < until` bounds the range, so every earlier show of the city was read.
CREATE INDEX "bookings_confirmed_city_period_idx" ON "bookings" USING GIST ("city_id", tstzrange("starts_at", "ends_at"))
  WHERE "status" = 'confirmed';
