-- Exclusion constraints over (uuid, enum, daterange) need btree_gist.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- AlterEnum
ALTER TYPE "ClaimStatus" ADD VALUE 'withdrawn';

-- CreateEnum
CREATE TYPE "ProvisioningKind" AS ENUM ('takeover', 'creation');

-- CreateEnum
CREATE TYPE "ProvisioningStatus" AS ENUM ('pending', 'approved', 'rejected', 'cancelled');

-- CreateEnum
CREATE TYPE "RepresentationRole" AS ENUM ('agency', 'management');

-- CreateEnum
CREATE TYPE "RepresentationClaimStatus" AS ENUM ('pending', 'disputed', 'approved', 'rejected', 'withdrawn');

-- CreateEnum
CREATE TYPE "DisputeStatus" AS ENUM ('open', 'resolved');

-- CreateEnum
CREATE TYPE "RepresentationEventType" AS ENUM ('claim_submitted', 'claim_approved', 'claim_rejected', 'claim_withdrawn', 'dispute_opened', 'claim_disputed', 'dispute_resolved', 'representation_started', 'representation_ended');

-- CreateEnum
CREATE TYPE "TeamRole" AS ENUM ('agent', 'manager', 'booker', 'tour_manager', 'publicist', 'assistant', 'other');

-- AlterTable
ALTER TABLE "artists_company_claims" ADD COLUMN     "message" TEXT,
ADD COLUMN     "provisioning_request_id" UUID;

-- CreateTable
CREATE TABLE "artists_provisioning_requests" (
    "id" UUID NOT NULL,
    "kind" "ProvisioningKind" NOT NULL,
    "status" "ProvisioningStatus" NOT NULL DEFAULT 'pending',
    "requester_org_id" UUID NOT NULL,
    "requester_user_id" UUID NOT NULL,
    "target_company_id" UUID,
    "proposed_company" JSONB,
    "message" TEXT,
    "reviewed_by" TEXT,
    "review_reason" TEXT,
    "reviewed_at" TIMESTAMPTZ(3),
    "cancelled_at" TIMESTAMPTZ(3),
    "resulting_company_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "artists_provisioning_requests_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "artists_roster_links" (
    "id" UUID NOT NULL,
    "artist_id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "role" "RepresentationRole" NOT NULL,
    "territory" TEXT,
    "starts_on" DATE NOT NULL,
    "ends_on" DATE,
    "notes" TEXT,
    "claim_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "artists_roster_links_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "artist_representation_claims" (
    "id" UUID NOT NULL,
    "artist_id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "requested_by_user_id" UUID,
    "role" "RepresentationRole" NOT NULL,
    "territory" TEXT,
    "starts_on" DATE NOT NULL,
    "message" TEXT,
    "status" "RepresentationClaimStatus" NOT NULL DEFAULT 'pending',
    "dispute_id" UUID,
    "decided_by" TEXT,
    "decision_note" TEXT,
    "decided_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "artist_representation_claims_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "artist_representation_disputes" (
    "id" UUID NOT NULL,
    "artist_id" UUID NOT NULL,
    "role" "RepresentationRole" NOT NULL,
    "status" "DisputeStatus" NOT NULL DEFAULT 'open',
    "incumbent_agency_id" UUID,
    "winning_claim_id" UUID,
    "resolution" TEXT,
    "resolved_by" TEXT,
    "resolved_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "artist_representation_disputes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "artist_representation_events" (
    "id" UUID NOT NULL,
    "artist_id" UUID NOT NULL,
    "type" "RepresentationEventType" NOT NULL,
    "claim_id" UUID,
    "dispute_id" UUID,
    "roster_link_id" UUID,
    "actor_type" TEXT NOT NULL,
    "actor_user_id" TEXT,
    "actor_org_id" UUID,
    "note" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "artist_representation_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "artist_team_assignments" (
    "id" UUID NOT NULL,
    "artist_id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "person_id" UUID NOT NULL,
    "role" "TeamRole" NOT NULL,
    "is_primary" BOOLEAN NOT NULL DEFAULT false,
    "ended_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "artist_team_assignments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "artists_provisioning_requests_requester_org_id_created_at_idx" ON "artists_provisioning_requests"("requester_org_id", "created_at");

-- CreateIndex
CREATE INDEX "artists_provisioning_requests_status_created_at_idx" ON "artists_provisioning_requests"("status", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "artists_roster_links_claim_id_key" ON "artists_roster_links"("claim_id");

-- CreateIndex
CREATE INDEX "artists_roster_links_artist_id_role_idx" ON "artists_roster_links"("artist_id", "role");

-- CreateIndex
CREATE INDEX "artists_roster_links_agency_id_ends_on_idx" ON "artists_roster_links"("agency_id", "ends_on");

-- CreateIndex
CREATE INDEX "artist_representation_claims_artist_id_role_status_idx" ON "artist_representation_claims"("artist_id", "role", "status");

-- CreateIndex
CREATE INDEX "artist_representation_claims_agency_id_status_idx" ON "artist_representation_claims"("agency_id", "status");

-- CreateIndex
CREATE INDEX "artist_representation_claims_dispute_id_idx" ON "artist_representation_claims"("dispute_id");

-- CreateIndex
CREATE INDEX "artist_representation_disputes_artist_id_role_idx" ON "artist_representation_disputes"("artist_id", "role");

-- CreateIndex
CREATE INDEX "artist_representation_disputes_status_created_at_idx" ON "artist_representation_disputes"("status", "created_at");

-- CreateIndex
CREATE INDEX "artist_representation_events_artist_id_created_at_idx" ON "artist_representation_events"("artist_id", "created_at");

-- CreateIndex
CREATE INDEX "artist_representation_events_claim_id_idx" ON "artist_representation_events"("claim_id");

-- CreateIndex
CREATE INDEX "artist_representation_events_dispute_id_idx" ON "artist_representation_events"("dispute_id");

-- CreateIndex
CREATE INDEX "artist_team_assignments_artist_id_idx" ON "artist_team_assignments"("artist_id");

-- CreateIndex
CREATE INDEX "artist_team_assignments_person_id_idx" ON "artist_team_assignments"("person_id");

-- CreateIndex
CREATE UNIQUE INDEX "artists_company_claims_provisioning_request_id_key" ON "artists_company_claims"("provisioning_request_id");

-- AddForeignKey
ALTER TABLE "artists_company_claims" ADD CONSTRAINT "artists_company_claims_provisioning_request_id_fkey" FOREIGN KEY ("provisioning_request_id") REFERENCES "artists_provisioning_requests"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artists_provisioning_requests" ADD CONSTRAINT "artists_provisioning_requests_target_company_id_fkey" FOREIGN KEY ("target_company_id") REFERENCES "artists_companies"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artists_provisioning_requests" ADD CONSTRAINT "artists_provisioning_requests_resulting_company_id_fkey" FOREIGN KEY ("resulting_company_id") REFERENCES "artists_companies"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artists_roster_links" ADD CONSTRAINT "artists_roster_links_artist_id_fkey" FOREIGN KEY ("artist_id") REFERENCES "artists"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artists_roster_links" ADD CONSTRAINT "artists_roster_links_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "artists_companies"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artists_roster_links" ADD CONSTRAINT "artists_roster_links_claim_id_fkey" FOREIGN KEY ("claim_id") REFERENCES "artist_representation_claims"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artist_representation_claims" ADD CONSTRAINT "artist_representation_claims_artist_id_fkey" FOREIGN KEY ("artist_id") REFERENCES "artists"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artist_representation_claims" ADD CONSTRAINT "artist_representation_claims_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "artists_companies"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artist_representation_claims" ADD CONSTRAINT "artist_representation_claims_dispute_id_fkey" FOREIGN KEY ("dispute_id") REFERENCES "artist_representation_disputes"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artist_representation_disputes" ADD CONSTRAINT "artist_representation_disputes_artist_id_fkey" FOREIGN KEY ("artist_id") REFERENCES "artists"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artist_representation_events" ADD CONSTRAINT "artist_representation_events_artist_id_fkey" FOREIGN KEY ("artist_id") REFERENCES "artists"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artist_representation_events" ADD CONSTRAINT "artist_representation_events_claim_id_fkey" FOREIGN KEY ("claim_id") REFERENCES "artist_representation_claims"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artist_representation_events" ADD CONSTRAINT "artist_representation_events_dispute_id_fkey" FOREIGN KEY ("dispute_id") REFERENCES "artist_representation_disputes"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artist_representation_events" ADD CONSTRAINT "artist_representation_events_roster_link_id_fkey" FOREIGN KEY ("roster_link_id") REFERENCES "artists_roster_links"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artist_team_assignments" ADD CONSTRAINT "artist_team_assignments_artist_id_fkey" FOREIGN KEY ("artist_id") REFERENCES "artists"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artist_team_assignments" ADD CONSTRAINT "artist_team_assignments_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "artists_companies"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artist_team_assignments" ADD CONSTRAINT "artist_team_assignments_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "people"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)

-- Claims: one pending claim per (company, org).
CREATE UNIQUE INDEX "artists_company_claims_pending_uniq" ON "artists_company_claims" ("company_id", "org_id") WHERE "status" = 'pending';

-- Provisioning: one pending request per Auth org, one pending takeover per (target company, requester).
CREATE UNIQUE INDEX "artists_provisioning_requests_pending_org_uniq" ON "artists_provisioning_requests" ("requester_org_id") WHERE "status" = 'pending';
CREATE UNIQUE INDEX "artists_provisioning_requests_pending_takeover_uniq" ON "artists_provisioning_requests" ("target_company_id", "requester_org_id") WHERE "status" = 'pending' AND "kind" = 'takeover';
-- A takeover names its target; a creation carries the proposed company.
ALTER TABLE "artists_provisioning_requests" ADD CONSTRAINT "artists_provisioning_requests_kind_chk" CHECK (
  ("kind" = 'takeover' AND "target_company_id" IS NOT NULL) OR ("kind" = 'creation' AND "proposed_company" IS NOT NULL)
);

-- Roster: one company per (artist, role) at any date; ranges are inclusive, an open end is "ongoing".
ALTER TABLE "artists_roster_links" ADD CONSTRAINT "artists_roster_links_dates_chk" CHECK ("ends_on" IS NULL OR "ends_on" >= "starts_on");
ALTER TABLE "artists_roster_links" ADD CONSTRAINT "artists_roster_links_no_overlap"
  EXCLUDE USING gist ("artist_id" WITH =, "role" WITH =, daterange("starts_on", "ends_on", '[]') WITH &&);

-- Representation claims: one open claim per (artist, role, agency); one open dispute per (artist, role).
CREATE UNIQUE INDEX "artist_representation_claims_open_uniq" ON "artist_representation_claims" ("artist_id", "role", "agency_id") WHERE "status" IN ('pending', 'disputed');
CREATE UNIQUE INDEX "artist_representation_disputes_open_uniq" ON "artist_representation_disputes" ("artist_id", "role") WHERE "status" = 'open';

-- Team: a person holds a role on an artist once while the assignment lasts.
CREATE UNIQUE INDEX "artist_team_assignments_active_uniq" ON "artist_team_assignments" ("artist_id", "person_id", "role") WHERE "ended_at" IS NULL;

-- Representation history is append-only.
CREATE FUNCTION "artists_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER "artist_representation_events_append_only" BEFORE UPDATE OR DELETE ON "artist_representation_events"
  FOR EACH ROW EXECUTE FUNCTION "artists_append_only"();
