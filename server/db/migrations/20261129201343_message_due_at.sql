-- Modify "messages" table
ALTER TABLE "messages" ADD COLUMN "due_at" timestamptz NULL;
-- Create index "message_status_due_at" to table: "messages"
CREATE INDEX "message_status_due_at" ON "messages" ("status", "due_at");
