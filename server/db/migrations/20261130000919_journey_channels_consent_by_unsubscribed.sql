-- Modify "consents" table
ALTER TABLE "consents" ADD COLUMN "changed_by" character varying NULL;
-- Modify "journey_settings" table
ALTER TABLE "journey_settings" ADD COLUMN "channels" jsonb NULL;
-- Drop index "messageevent_message_id_type" from table: "message_events"
DROP INDEX "messageevent_message_id_type";
