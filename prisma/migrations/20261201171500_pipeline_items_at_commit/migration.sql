-- raw-sql: the live pipeline items (pipeline_live_items, migration pipeline_counts) are brought in line with
-- their pipeline once per request and transaction, at its commit, instead of once per changed row. A booking
-- step changes two or three rows of one pipeline (the acceptance: the offer, the hold it places and the
-- request), and each row trigger ran `pipeline_items_refresh` on the same final state at the end of the
-- statement: the second and third found nothing to do (~1.5 ms of PostgreSQL per booking flow). The triggers
-- are now deferred to the commit, where every change of the transaction is in: the first firing for a request
-- refreshes it, the others of that commit find it done. Other sessions read the items as before (committed
-- with their pipeline, in its transaction); within the writing transaction they catch up at its commit.

-- Refreshes `requests` once per commit. The firings of one commit share its statement_timestamp(), so the
-- mark names it: a `SET CONSTRAINTS … IMMEDIATE` that fires the queue earlier is a statement of its own, and
-- the commit after it refreshes again what changed since. The mark is transaction-local (set_config's
-- is_local): a rollback takes it along with the changes it would have covered.
CREATE FUNCTION "pipeline_items_settle"(requests uuid[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  request uuid;
  mark text;
BEGIN
  FOREACH request IN ARRAY requests LOOP
    CONTINUE WHEN request IS NULL;
    mark := request::text || '@' || statement_timestamp()::text;
    CONTINUE WHEN position(mark IN coalesce(current_setting('pipeline_items.settled', true), '')) > 0;
    PERFORM "pipeline_items_refresh"(request);
    PERFORM set_config('pipeline_items.settled', coalesce(current_setting('pipeline_items.settled', true), '') || ' ' || mark, true);
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION "pipeline_items_follow_request"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "pipeline_items_settle"(ARRAY[OLD."id", NEW."id"]);
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION "pipeline_items_follow_subject"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "pipeline_items_settle"(ARRAY[OLD."request_id", NEW."request_id"]);
  RETURN NULL;
END
$$;

DROP TRIGGER "pipeline_items_follow_request" ON "booking_requests";
CREATE CONSTRAINT TRIGGER "pipeline_items_follow_request"
  AFTER INSERT OR DELETE OR UPDATE OF "status", "expires_at", "starts_at", "agency_id", "artist_id" ON "booking_requests"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "pipeline_items_follow_request"();
DROP TRIGGER "pipeline_items_follow_offer" ON "booking_offers";
CREATE CONSTRAINT TRIGGER "pipeline_items_follow_offer"
  AFTER INSERT OR DELETE OR UPDATE OF "status", "expires_at", "made_by", "request_id" ON "booking_offers"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "pipeline_items_follow_subject"();
DROP TRIGGER "pipeline_items_follow_hold" ON "booking_holds";
CREATE CONSTRAINT TRIGGER "pipeline_items_follow_hold"
  AFTER INSERT OR DELETE OR UPDATE OF "status", "priority", "expires_at", "challenge_deadline", "request_id" ON "booking_holds"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "pipeline_items_follow_subject"();
