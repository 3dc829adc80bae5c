-- CreateIndex
CREATE INDEX "booking_holds_request_id_created_at_idx" ON "booking_holds"("request_id", "created_at");
