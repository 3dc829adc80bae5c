-- CreateTable
CREATE TABLE "outbox_events" (
    "id" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "aggregate_type" TEXT NOT NULL,
    "aggregate_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "schema_version" INTEGER NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "org_ids" UUID[],
    "payload" JSONB NOT NULL,
    "request_id" TEXT,
    "published_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "parked_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "outbox_events_seq_key" ON "outbox_events"("seq");

-- CreateIndex
CREATE INDEX "outbox_events_aggregate_type_aggregate_id_seq_idx" ON "outbox_events"("aggregate_type", "aggregate_id", "seq");

-- raw-sql: objects Prisma cannot model (also listed in prisma/raw-objects.txt)

-- What the relay reads: the unpublished, unparked events in order of writing.
CREATE INDEX "outbox_events_pending_idx" ON "outbox_events" ("seq") WHERE "published_at" IS NULL AND "parked_at" IS NULL;
ALTER TABLE "outbox_events" ADD CONSTRAINT "outbox_events_type_chk" CHECK ("event_type" ~ '^[a-z_]+(\.[a-z_]+)+$');
ALTER TABLE "outbox_events" ADD CONSTRAINT "outbox_events_org_ids_chk" CHECK ("org_ids" IS NOT NULL);

-- An event says once what happened: only its delivery state changes afterwards.
CREATE FUNCTION "outbox_events_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW."id", NEW."seq", NEW."aggregate_type", NEW."aggregate_id", NEW."event_type", NEW."schema_version",
      NEW."occurred_at", NEW."org_ids", NEW."payload", NEW."request_id")
     IS DISTINCT FROM
     (OLD."id", OLD."seq", OLD."aggregate_type", OLD."aggregate_id", OLD."event_type", OLD."schema_version",
      OLD."occurred_at", OLD."org_ids", OLD."payload", OLD."request_id") THEN
    RAISE EXCEPTION 'outbox events are immutable: only their delivery state changes';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER "outbox_events_immutable" BEFORE UPDATE ON "outbox_events"
  FOR EACH ROW EXECUTE FUNCTION "outbox_events_immutable"();
