-- Accent- and case-insensitive search for the names the accent_insensitive_search migration left out: the
-- marketplace's artist name and contract template names, folded like the others (search_fold).
ALTER TABLE "marketplace_artists" ADD COLUMN "name_search" TEXT GENERATED ALWAYS AS (search_fold("name")) STORED;
ALTER TABLE "contract_templates" ADD COLUMN "name_search" TEXT GENERATED ALWAYS AS (search_fold("name")) STORED;

-- The folded column's trigram index replaces the raw name's (searches no longer read it). A company's
-- template library is small and filtered by owner first: no index of its own.
DROP INDEX "marketplace_artists_name_trgm_idx";
CREATE INDEX "marketplace_artists_name_search_trgm_idx" ON "marketplace_artists" USING GIN ("name_search" gin_trgm_ops);
