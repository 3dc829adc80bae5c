-- Accent- and case-insensitive name search ("sate" finds "Los Satélites"): each searched table keeps the
-- folded name in a generated column with a trigram index, and searches compare the folded query with it.
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;

-- unaccent() is only STABLE (it finds its dictionary through search_path), and a generated column or an
-- index needs an IMMUTABLE expression: this wrapper names the function and the dictionary by schema.
CREATE FUNCTION "search_fold"(text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;

ALTER TABLE "artists" ADD COLUMN "name_search" TEXT GENERATED ALWAYS AS (search_fold("name")) STORED;
ALTER TABLE "artists_companies" ADD COLUMN "name_search" TEXT GENERATED ALWAYS AS (search_fold("name")) STORED;
ALTER TABLE "people" ADD COLUMN "name_search" TEXT
  GENERATED ALWAYS AS (search_fold("first_name" || coalesce(' ' || "last_name", ''))) STORED;
ALTER TABLE "genres" ADD COLUMN "name_search" TEXT GENERATED ALWAYS AS (search_fold("name")) STORED;
ALTER TABLE "geo_countries" ADD COLUMN "name_search" TEXT GENERATED ALWAYS AS (search_fold("name")) STORED;
ALTER TABLE "geo_regions" ADD COLUMN "name_search" TEXT GENERATED ALWAYS AS (search_fold("name")) STORED;
ALTER TABLE "geo_cities" ADD COLUMN "name_search" TEXT GENERATED ALWAYS AS (search_fold("name")) STORED;

-- The folded columns' trigram indexes replace the raw names' ones (searches no longer read those).
DROP INDEX "artists_name_trgm_idx";
DROP INDEX "artists_companies_name_trgm_idx";
DROP INDEX "people_name_trgm_idx";
CREATE INDEX "artists_name_search_trgm_idx" ON "artists" USING GIN ("name_search" gin_trgm_ops);
CREATE INDEX "artists_companies_name_search_trgm_idx" ON "artists_companies" USING GIN ("name_search" gin_trgm_ops);
CREATE INDEX "people_name_search_trgm_idx" ON "people" USING GIN ("name_search" gin_trgm_ops);
CREATE INDEX "genres_name_search_trgm_idx" ON "genres" USING GIN ("name_search" gin_trgm_ops);
CREATE INDEX "geo_countries_name_search_trgm_idx" ON "geo_countries" USING GIN ("name_search" gin_trgm_ops);
CREATE INDEX "geo_regions_name_search_trgm_idx" ON "geo_regions" USING GIN ("name_search" gin_trgm_ops);
CREATE INDEX "geo_cities_name_search_trgm_idx" ON "geo_cities" USING GIN ("name_search" gin_trgm_ops);
