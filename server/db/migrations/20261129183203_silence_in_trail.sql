-- Modify "moderation_decisions" table
ALTER TABLE "moderation_decisions" ALTER COLUMN "from_status" DROP NOT NULL, ALTER COLUMN "to_status" DROP NOT NULL, ADD COLUMN "silenced_until" timestamptz NULL;
