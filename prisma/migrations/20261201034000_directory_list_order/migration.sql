-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)

-- Listed agencies and people in their directory order (name, first name; the id breaks ties): a page walks
-- the index and stops at its end, where without it every page sorts all listed rows.
CREATE INDEX "artists_companies_listed_name_idx" ON "artists_companies" ("name", "id") WHERE "archived_at" IS NULL;
CREATE INDEX "people_listed_first_name_idx" ON "people" ("first_name", "id") WHERE "archived_at" IS NULL;
