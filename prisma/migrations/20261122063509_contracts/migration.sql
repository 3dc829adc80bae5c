-- CreateEnum
CREATE TYPE "ContractStatus" AS ENUM ('draft', 'sent', 'partially_signed', 'signed', 'void', 'cancelled');

-- CreateEnum
CREATE TYPE "SigningOrder" AS ENUM ('sequential', 'parallel');

-- CreateEnum
CREATE TYPE "SignerRole" AS ENUM ('buyer', 'artist', 'agency_countersign', 'witness', 'other');

-- CreateTable
CREATE TABLE "contract_templates" (
    "id" UUID NOT NULL,
    "owner_org_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "current_version" INTEGER NOT NULL DEFAULT 1,
    "archived_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contract_templates_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contract_template_versions" (
    "id" UUID NOT NULL,
    "template_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "body" TEXT NOT NULL,
    "created_by_user_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contract_template_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contracts" (
    "id" UUID NOT NULL,
    "request_id" UUID NOT NULL,
    "booking_id" UUID,
    "hold_id" UUID,
    "template_id" UUID,
    "template_version" INTEGER,
    "title" TEXT NOT NULL,
    "status" "ContractStatus" NOT NULL DEFAULT 'draft',
    "signing_order" "SigningOrder" NOT NULL DEFAULT 'sequential',
    "current_version" INTEGER NOT NULL DEFAULT 1,
    "created_by_side" "BookingSide" NOT NULL,
    "created_by_org_id" UUID NOT NULL,
    "closed_reason" TEXT,
    "sent_at" TIMESTAMPTZ(3),
    "signed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contracts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contract_versions" (
    "id" UUID NOT NULL,
    "contract_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "body" TEXT NOT NULL,
    "content_hash" CHAR(64) NOT NULL,
    "change_note" TEXT,
    "created_by_user_id" UUID NOT NULL,
    "created_by_org_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contract_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contract_signers" (
    "id" UUID NOT NULL,
    "contract_id" UUID NOT NULL,
    "role" "SignerRole" NOT NULL,
    "side" "BookingSide" NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "user_id" UUID,
    "position" INTEGER NOT NULL,
    "required" BOOLEAN NOT NULL DEFAULT true,
    "removed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contract_signers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contract_signatures" (
    "id" UUID NOT NULL,
    "contract_id" UUID NOT NULL,
    "signer_id" UUID NOT NULL,
    "version_id" UUID NOT NULL,
    "content_hash" CHAR(64) NOT NULL,
    "signed_by_user_id" UUID NOT NULL,
    "signed_by_org_id" UUID NOT NULL,
    "ip" TEXT,
    "user_agent" TEXT,
    "signed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contract_signatures_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contract_attachments" (
    "id" UUID NOT NULL,
    "contract_id" UUID NOT NULL,
    "version_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "mime_type" TEXT NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "storage_ref" TEXT NOT NULL,
    "sha256" CHAR(64),
    "uploaded_by_user_id" UUID NOT NULL,
    "removed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contract_attachments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contract_events" (
    "id" UUID NOT NULL,
    "seq" SERIAL NOT NULL,
    "contract_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "version" INTEGER,
    "signer_id" UUID,
    "from_status" TEXT,
    "to_status" TEXT,
    "actor_user_id" TEXT,
    "actor_org_id" UUID,
    "note" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contract_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "contract_templates_owner_org_id_archived_at_idx" ON "contract_templates"("owner_org_id", "archived_at");

-- CreateIndex
CREATE UNIQUE INDEX "contract_template_versions_template_id_version_key" ON "contract_template_versions"("template_id", "version");

-- CreateIndex
CREATE INDEX "contracts_request_id_idx" ON "contracts"("request_id");

-- CreateIndex
CREATE INDEX "contracts_booking_id_idx" ON "contracts"("booking_id");

-- CreateIndex
CREATE UNIQUE INDEX "contract_versions_contract_id_version_key" ON "contract_versions"("contract_id", "version");

-- CreateIndex
CREATE INDEX "contract_signers_contract_id_idx" ON "contract_signers"("contract_id");

-- CreateIndex
CREATE INDEX "contract_signatures_contract_id_idx" ON "contract_signatures"("contract_id");

-- CreateIndex
CREATE UNIQUE INDEX "contract_signatures_signer_id_version_id_key" ON "contract_signatures"("signer_id", "version_id");

-- CreateIndex
CREATE INDEX "contract_attachments_contract_id_idx" ON "contract_attachments"("contract_id");

-- CreateIndex
CREATE UNIQUE INDEX "contract_events_seq_key" ON "contract_events"("seq");

-- CreateIndex
CREATE INDEX "contract_events_contract_id_seq_idx" ON "contract_events"("contract_id", "seq");

-- AddForeignKey
ALTER TABLE "contract_template_versions" ADD CONSTRAINT "contract_template_versions_template_id_fkey" FOREIGN KEY ("template_id") REFERENCES "contract_templates"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "booking_requests"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "bookings"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_hold_id_fkey" FOREIGN KEY ("hold_id") REFERENCES "booking_holds"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_template_id_fkey" FOREIGN KEY ("template_id") REFERENCES "contract_templates"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contract_versions" ADD CONSTRAINT "contract_versions_contract_id_fkey" FOREIGN KEY ("contract_id") REFERENCES "contracts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contract_signers" ADD CONSTRAINT "contract_signers_contract_id_fkey" FOREIGN KEY ("contract_id") REFERENCES "contracts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contract_signatures" ADD CONSTRAINT "contract_signatures_contract_id_fkey" FOREIGN KEY ("contract_id") REFERENCES "contracts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contract_signatures" ADD CONSTRAINT "contract_signatures_signer_id_fkey" FOREIGN KEY ("signer_id") REFERENCES "contract_signers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contract_signatures" ADD CONSTRAINT "contract_signatures_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "contract_versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contract_attachments" ADD CONSTRAINT "contract_attachments_contract_id_fkey" FOREIGN KEY ("contract_id") REFERENCES "contracts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contract_attachments" ADD CONSTRAINT "contract_attachments_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "contract_versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contract_events" ADD CONSTRAINT "contract_events_contract_id_fkey" FOREIGN KEY ("contract_id") REFERENCES "contracts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)

-- One live contract per booking pipeline; a contract is for a booking or (sent early) a hold.
CREATE UNIQUE INDEX "contracts_live_per_request_uniq" ON "contracts" ("request_id") WHERE "status" NOT IN ('void', 'cancelled');
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_subject_chk" CHECK ("booking_id" IS NOT NULL OR "hold_id" IS NOT NULL);
ALTER TABLE "contract_versions" ADD CONSTRAINT "contract_versions_hash_chk" CHECK ("content_hash" ~ '^[0-9a-f]{64}$');
ALTER TABLE "contract_signers" ADD CONSTRAINT "contract_signers_position_chk" CHECK ("position" >= 1);
ALTER TABLE "contract_attachments" ADD CONSTRAINT "contract_attachments_size_chk" CHECK ("size_bytes" >= 0);

-- Versions, signatures and the timeline are never rewritten.
CREATE TRIGGER "contract_versions_append_only" BEFORE UPDATE OR DELETE ON "contract_versions"
  FOR EACH ROW EXECUTE FUNCTION "artists_append_only"();
CREATE TRIGGER "contract_template_versions_append_only" BEFORE UPDATE OR DELETE ON "contract_template_versions"
  FOR EACH ROW EXECUTE FUNCTION "artists_append_only"();
CREATE TRIGGER "contract_signatures_append_only" BEFORE UPDATE OR DELETE ON "contract_signatures"
  FOR EACH ROW EXECUTE FUNCTION "artists_append_only"();
CREATE TRIGGER "contract_events_append_only" BEFORE UPDATE OR DELETE ON "contract_events"
  FOR EACH ROW EXECUTE FUNCTION "artists_append_only"();
