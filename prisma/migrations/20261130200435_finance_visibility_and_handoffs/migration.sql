-- CreateEnum
CREATE TYPE "SettlementStatus" AS ENUM ('none', 'in_settlement', 'settled');

-- CreateEnum
CREATE TYPE "FinanceHandoffStatus" AS ENUM ('pending', 'sent', 'acknowledged', 'rejected', 'superseded');

-- CreateEnum
CREATE TYPE "FinanceHandoffReason" AS ENUM ('handover', 'cancellation');

-- CreateTable
CREATE TABLE "booking_finance_snapshots" (
    "booking_id" UUID NOT NULL,
    "side" "BookingSide" NOT NULL,
    "finance_version" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "deposits" JSONB NOT NULL,
    "invoiced" BIGINT NOT NULL,
    "paid" BIGINT NOT NULL,
    "balance" BIGINT NOT NULL,
    "settlement_status" "SettlementStatus" NOT NULL,
    "finance_ref" TEXT,
    "as_of" TIMESTAMPTZ(3) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "booking_finance_snapshots_pkey" PRIMARY KEY ("booking_id","side")
);

-- CreateTable
CREATE TABLE "finance_handoffs" (
    "id" UUID NOT NULL,
    "booking_id" UUID NOT NULL,
    "side" "BookingSide" NOT NULL,
    "version" INTEGER NOT NULL,
    "status" "FinanceHandoffStatus" NOT NULL DEFAULT 'pending',
    "reason" "FinanceHandoffReason" NOT NULL,
    "payload" JSONB NOT NULL,
    "payload_hash" TEXT NOT NULL,
    "requested_by_user_id" UUID,
    "requested_by_org_id" UUID,
    "note" TEXT,
    "force" BOOLEAN NOT NULL DEFAULT false,
    "force_reason" TEXT,
    "finance_ref" TEXT,
    "reject_reason" TEXT,
    "sent_at" TIMESTAMPTZ(3),
    "decided_at" TIMESTAMPTZ(3),
    "superseded_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "finance_handoffs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "finance_handoff_events" (
    "id" UUID NOT NULL,
    "seq" SERIAL NOT NULL,
    "handoff_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "actor_type" TEXT NOT NULL,
    "actor_user_id" TEXT,
    "actor_org_id" UUID,
    "note" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "finance_handoff_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "finance_handoffs_booking_id_side_version_key" ON "finance_handoffs"("booking_id", "side", "version");

-- CreateIndex
CREATE UNIQUE INDEX "finance_handoff_events_seq_key" ON "finance_handoff_events"("seq");

-- CreateIndex
CREATE INDEX "finance_handoff_events_handoff_id_seq_idx" ON "finance_handoff_events"("handoff_id", "seq");

-- AddForeignKey
ALTER TABLE "booking_finance_snapshots" ADD CONSTRAINT "booking_finance_snapshots_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "bookings"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "finance_handoffs" ADD CONSTRAINT "finance_handoffs_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "bookings"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "finance_handoff_events" ADD CONSTRAINT "finance_handoff_events_handoff_id_fkey" FOREIGN KEY ("handoff_id") REFERENCES "finance_handoffs"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)

-- One live handoff per booking and side: a new one supersedes the live one in the same transaction.
CREATE UNIQUE INDEX "finance_handoffs_live_uniq" ON "finance_handoffs" ("booking_id", "side") WHERE "status" IN ('pending', 'sent', 'acknowledged');
ALTER TABLE "finance_handoffs" ADD CONSTRAINT "finance_handoffs_force_chk" CHECK (NOT "force" OR "force_reason" IS NOT NULL);
ALTER TABLE "finance_handoffs" ADD CONSTRAINT "finance_handoffs_hash_chk" CHECK ("payload_hash" ~ '^[0-9a-f]{64}$');
ALTER TABLE "finance_handoffs" ADD CONSTRAINT "finance_handoffs_version_chk" CHECK ("version" >= 1);
ALTER TABLE "booking_finance_snapshots" ADD CONSTRAINT "booking_finance_snapshots_version_chk" CHECK ("finance_version" >= 0);

-- What was handed over never changes: only the handoff's state moves.
CREATE FUNCTION "finance_handoffs_snapshot_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW."booking_id", NEW."side", NEW."version", NEW."reason", NEW."payload", NEW."payload_hash", NEW."force", NEW."force_reason",
      NEW."requested_by_user_id", NEW."requested_by_org_id")
     IS DISTINCT FROM
     (OLD."booking_id", OLD."side", OLD."version", OLD."reason", OLD."payload", OLD."payload_hash", OLD."force", OLD."force_reason",
      OLD."requested_by_user_id", OLD."requested_by_org_id") THEN
    RAISE EXCEPTION 'a finance handoff''s snapshot is immutable';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER "finance_handoffs_snapshot_immutable" BEFORE UPDATE ON "finance_handoffs"
  FOR EACH ROW EXECUTE FUNCTION "finance_handoffs_snapshot_immutable"();
CREATE TRIGGER "finance_handoff_events_append_only" BEFORE UPDATE OR DELETE ON "finance_handoff_events"
  FOR EACH ROW EXECUTE FUNCTION "artists_append_only"();
