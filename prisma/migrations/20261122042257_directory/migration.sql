-- Extensions the directory needs (trigram search on names).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateEnum
CREATE TYPE "ArtistKind" AS ENUM ('solo', 'band', 'dj', 'ensemble', 'other');

-- CreateEnum
CREATE TYPE "Platform" AS ENUM ('spotify', 'apple_music', 'youtube', 'instagram', 'tiktok', 'facebook', 'x', 'soundcloud', 'bandcamp', 'beatport', 'deezer', 'website');

-- CreateEnum
CREATE TYPE "DataProvider" AS ENUM ('soundcharts', 'viberate', 'songstats', 'chartmetric', 'musicbrainz', 'kisum_data');

-- CreateEnum
CREATE TYPE "AgencyKind" AS ENUM ('agency', 'management', 'label', 'publisher', 'other');

-- CreateEnum
CREATE TYPE "ClaimStatus" AS ENUM ('pending', 'approved', 'rejected', 'revoked');

-- CreateTable
CREATE TABLE "geo_countries" (
    "id" UUID NOT NULL,
    "code" CHAR(2) NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "geo_countries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "geo_regions" (
    "id" UUID NOT NULL,
    "country_id" UUID NOT NULL,
    "code" TEXT,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "geo_regions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "geo_cities" (
    "id" UUID NOT NULL,
    "country_id" UUID NOT NULL,
    "region_id" UUID,
    "name" TEXT NOT NULL,
    "latitude" DOUBLE PRECISION,
    "longitude" DOUBLE PRECISION,
    "timezone" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "geo_cities_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "genres" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "parent_id" UUID,
    "archived_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "genres_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "artists" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "kind" "ArtistKind" NOT NULL DEFAULT 'solo',
    "country_id" UUID,
    "city_id" UUID,
    "created_by_org_id" UUID,
    "archived_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "artists_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "artist_profiles" (
    "id" UUID NOT NULL,
    "artist_id" UUID NOT NULL,
    "biography" TEXT,
    "image_url" TEXT,
    "website_url" TEXT,
    "press_kit_url" TEXT,
    "formed_year" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "artist_profiles_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "artist_genres" (
    "artist_id" UUID NOT NULL,
    "genre_id" UUID NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "artist_genres_pkey" PRIMARY KEY ("artist_id","genre_id")
);

-- CreateTable
CREATE TABLE "artist_platform_accounts" (
    "id" UUID NOT NULL,
    "artist_id" UUID NOT NULL,
    "platform" "Platform" NOT NULL,
    "url" TEXT NOT NULL,
    "handle" TEXT,
    "external_id" TEXT,
    "verified" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "artist_platform_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "artist_provider_references" (
    "id" UUID NOT NULL,
    "artist_id" UUID NOT NULL,
    "provider" "DataProvider" NOT NULL,
    "external_id" TEXT NOT NULL,
    "url" TEXT,
    "last_synced_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "artist_provider_references_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "artists_companies" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "kind" "AgencyKind" NOT NULL DEFAULT 'agency',
    "description" TEXT,
    "email" TEXT,
    "phone" TEXT,
    "website_url" TEXT,
    "country_id" UUID,
    "city_id" UUID,
    "claimed" BOOLEAN NOT NULL DEFAULT false,
    "archived_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "artists_companies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "people" (
    "id" UUID NOT NULL,
    "first_name" TEXT NOT NULL,
    "last_name" TEXT,
    "email" TEXT,
    "phone" TEXT,
    "job_title" TEXT,
    "agency_id" UUID,
    "country_id" UUID,
    "city_id" UUID,
    "created_by_org_id" UUID,
    "archived_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "people_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "artists_company_claims" (
    "id" UUID NOT NULL,
    "company_id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "status" "ClaimStatus" NOT NULL DEFAULT 'pending',
    "requested_by_user_id" UUID,
    "reviewed_by" TEXT,
    "review_note" TEXT,
    "decided_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "artists_company_claims_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "geo_countries_code_key" ON "geo_countries"("code");

-- CreateIndex
CREATE UNIQUE INDEX "geo_regions_country_id_name_key" ON "geo_regions"("country_id", "name");

-- CreateIndex
CREATE INDEX "geo_cities_country_id_name_idx" ON "geo_cities"("country_id", "name");

-- CreateIndex
CREATE INDEX "geo_cities_region_id_idx" ON "geo_cities"("region_id");

-- CreateIndex
CREATE UNIQUE INDEX "genres_slug_key" ON "genres"("slug");

-- CreateIndex
CREATE INDEX "genres_parent_id_idx" ON "genres"("parent_id");

-- CreateIndex
CREATE UNIQUE INDEX "artists_slug_key" ON "artists"("slug");

-- CreateIndex
CREATE INDEX "artists_country_id_idx" ON "artists"("country_id");

-- CreateIndex
CREATE INDEX "artists_created_at_idx" ON "artists"("created_at");

-- CreateIndex
CREATE INDEX "artists_name_trgm_idx" ON "artists" USING GIN ("name" gin_trgm_ops);

-- CreateIndex
CREATE UNIQUE INDEX "artist_profiles_artist_id_key" ON "artist_profiles"("artist_id");

-- CreateIndex
CREATE INDEX "artist_genres_genre_id_idx" ON "artist_genres"("genre_id");

-- CreateIndex
CREATE UNIQUE INDEX "artist_platform_accounts_artist_id_platform_url_key" ON "artist_platform_accounts"("artist_id", "platform", "url");

-- CreateIndex
CREATE UNIQUE INDEX "artist_platform_accounts_platform_external_id_key" ON "artist_platform_accounts"("platform", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX "artist_provider_references_artist_id_provider_key" ON "artist_provider_references"("artist_id", "provider");

-- CreateIndex
CREATE UNIQUE INDEX "artist_provider_references_provider_external_id_key" ON "artist_provider_references"("provider", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX "artists_companies_slug_key" ON "artists_companies"("slug");

-- CreateIndex
CREATE INDEX "artists_companies_claimed_idx" ON "artists_companies"("claimed");

-- CreateIndex
CREATE INDEX "artists_companies_country_id_idx" ON "artists_companies"("country_id");

-- CreateIndex
CREATE INDEX "artists_companies_name_trgm_idx" ON "artists_companies" USING GIN ("name" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "people_agency_id_idx" ON "people"("agency_id");

-- CreateIndex
CREATE INDEX "people_name_trgm_idx" ON "people" USING GIN ("first_name" gin_trgm_ops, "last_name" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "artists_company_claims_company_id_idx" ON "artists_company_claims"("company_id");

-- CreateIndex
CREATE INDEX "artists_company_claims_org_id_status_idx" ON "artists_company_claims"("org_id", "status");

-- AddForeignKey
ALTER TABLE "geo_regions" ADD CONSTRAINT "geo_regions_country_id_fkey" FOREIGN KEY ("country_id") REFERENCES "geo_countries"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "geo_cities" ADD CONSTRAINT "geo_cities_country_id_fkey" FOREIGN KEY ("country_id") REFERENCES "geo_countries"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "geo_cities" ADD CONSTRAINT "geo_cities_region_id_fkey" FOREIGN KEY ("region_id") REFERENCES "geo_regions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "genres" ADD CONSTRAINT "genres_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "genres"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artists" ADD CONSTRAINT "artists_country_id_fkey" FOREIGN KEY ("country_id") REFERENCES "geo_countries"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artists" ADD CONSTRAINT "artists_city_id_fkey" FOREIGN KEY ("city_id") REFERENCES "geo_cities"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artist_profiles" ADD CONSTRAINT "artist_profiles_artist_id_fkey" FOREIGN KEY ("artist_id") REFERENCES "artists"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artist_genres" ADD CONSTRAINT "artist_genres_artist_id_fkey" FOREIGN KEY ("artist_id") REFERENCES "artists"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artist_genres" ADD CONSTRAINT "artist_genres_genre_id_fkey" FOREIGN KEY ("genre_id") REFERENCES "genres"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artist_platform_accounts" ADD CONSTRAINT "artist_platform_accounts_artist_id_fkey" FOREIGN KEY ("artist_id") REFERENCES "artists"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artist_provider_references" ADD CONSTRAINT "artist_provider_references_artist_id_fkey" FOREIGN KEY ("artist_id") REFERENCES "artists"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artists_companies" ADD CONSTRAINT "artists_companies_country_id_fkey" FOREIGN KEY ("country_id") REFERENCES "geo_countries"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artists_companies" ADD CONSTRAINT "artists_companies_city_id_fkey" FOREIGN KEY ("city_id") REFERENCES "geo_cities"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "people" ADD CONSTRAINT "people_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "artists_companies"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "people" ADD CONSTRAINT "people_country_id_fkey" FOREIGN KEY ("country_id") REFERENCES "geo_countries"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "people" ADD CONSTRAINT "people_city_id_fkey" FOREIGN KEY ("city_id") REFERENCES "geo_cities"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artists_company_claims" ADD CONSTRAINT "artists_company_claims_company_id_fkey" FOREIGN KEY ("company_id") REFERENCES "artists_companies"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)

-- One approved org per market company, and one approved market company per org (one agency per tenant).
CREATE UNIQUE INDEX "artists_company_claims_approved_uniq" ON "artists_company_claims" ("company_id") WHERE "status" = 'approved';
CREATE UNIQUE INDEX "artists_company_claims_org_approved_uniq" ON "artists_company_claims" ("org_id") WHERE "status" = 'approved';

-- Subgenres are one level deep and never their own parent (depth is checked by the service).
ALTER TABLE "genres" ADD CONSTRAINT "genres_parent_not_self_chk" CHECK ("parent_id" IS NULL OR "parent_id" <> "id");
ALTER TABLE "artist_profiles" ADD CONSTRAINT "artist_profiles_formed_year_chk" CHECK ("formed_year" IS NULL OR "formed_year" BETWEEN 1800 AND 2200);
ALTER TABLE "geo_countries" ADD CONSTRAINT "geo_countries_code_chk" CHECK ("code" ~ '^[A-Z]{2}$');
