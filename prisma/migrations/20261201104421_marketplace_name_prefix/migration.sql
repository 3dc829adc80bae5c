-- Free text by relevance reads names that start with the query first, from this index alone (an index-only range
-- of the folded names, with what the order needs): a query that matches thousands of names ("velvet") orders
-- them without visiting their rows. The order no longer uses trigram distance, so its GiST index goes (it only
-- slowed the read model's writes). The GIN trigram index stays for "contains" and the count.
DROP INDEX "marketplace_artists_name_search_gist_idx";

CREATE INDEX "marketplace_artists_name_prefix_idx" ON "marketplace_artists" ("name_search" text_pattern_ops) INCLUDE ("active_at", "artist_id");
