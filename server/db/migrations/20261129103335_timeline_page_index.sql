-- Create index "shipmentchange_event_id" to table: "shipment_changes"
CREATE INDEX "shipmentchange_event_id" ON "shipment_changes" ("event_id");
-- Create index "shipmentchange_shipment_id" to table: "shipment_changes"
CREATE INDEX "shipmentchange_shipment_id" ON "shipment_changes" ("shipment_id");
-- Create index "shipmentitem_order_item_id" to table: "shipment_items"
CREATE INDEX "shipmentitem_order_item_id" ON "shipment_items" ("order_item_id");
-- Drop index "trackingevent_shipment_id_occurred_at" from table: "tracking_events"
DROP INDEX "trackingevent_shipment_id_occurred_at";
-- Create index "trackingevent_shipment_id_occurred_at_id" to table: "tracking_events"
CREATE INDEX "trackingevent_shipment_id_occurred_at_id" ON "tracking_events" ("shipment_id", "occurred_at" DESC, "id" DESC);
