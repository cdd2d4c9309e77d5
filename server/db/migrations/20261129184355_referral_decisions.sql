-- Modify "referrals" table
ALTER TABLE "referrals" ADD COLUMN "decision_reason" character varying NULL, ADD COLUMN "decided_by" character varying NULL, ADD COLUMN "decided_at" timestamptz NULL;
-- Create index "referral_first_order_id" to table: "referrals"
CREATE INDEX "referral_first_order_id" ON "referrals" ("first_order_id");
-- Create index "referral_referrer_id_completed_at" to table: "referrals"
CREATE INDEX "referral_referrer_id_completed_at" ON "referrals" ("referrer_id", "completed_at");
