-- raw-sql: `pipeline_items_settle` (migration pipeline_items_at_commit) keeps the requests a commit has refreshed
-- in a transaction-local string and searches it on every firing: a transaction changing thousands of requests
-- would spend quadratic time there. Past about a hundred marks it stops marking and searching, and refreshes on
-- every firing as the row triggers did before: a repeated refresh finds nothing to do, so the items stay exact
-- and the cost stays linear.
CREATE OR REPLACE FUNCTION "pipeline_items_settle"(requests uuid[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  request uuid;
  mark text;
  settled text;
BEGIN
  FOREACH request IN ARRAY requests LOOP
    CONTINUE WHEN request IS NULL;
    settled := coalesce(current_setting('pipeline_items.settled', true), '');
    IF length(settled) >= 8192 THEN
      PERFORM "pipeline_items_refresh"(request);
      CONTINUE;
    END IF;
    mark := request::text || '@' || statement_timestamp()::text;
    CONTINUE WHEN position(mark IN settled) > 0;
    PERFORM "pipeline_items_refresh"(request);
    PERFORM set_config('pipeline_items.settled', settled || ' ' || mark, true);
  END LOOP;
END
$$;
