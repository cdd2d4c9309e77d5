-- Modify "reviews" table
ALTER TABLE "reviews" ADD COLUMN "censored_title" character varying NULL, ADD COLUMN "censored_body" text NULL;
