-- Availability search sorted by name with no filter of the windows but the period (issue 15): the page walked the
-- listed artists in name order and probed each one's windows through the artist index (a weekend's page 20: 644
-- probes). The names read model already says which listed artists offer a day of a period (its multiranges): walked
-- in name order, its rows are the page with no probe. Only the name and the artist are keyed, so that a window's
-- write, which changes a row's days and not its name, stays a HOT update (no entry in any of the model's indexes).

-- CreateIndex
CREATE INDEX "availability_names_name_idx" ON "availability_names"("name", "artist_id");
