-- Modify "products" table
ALTER TABLE "products" ADD COLUMN "content_url" character varying NULL, ADD COLUMN "content_text" character varying NULL;
-- Create "product_complements" table
CREATE TABLE "product_complements" ("product_id" bigint NOT NULL, "complement_id" bigint NOT NULL, PRIMARY KEY ("product_id", "complement_id"), CONSTRAINT "product_complements_complement_id" FOREIGN KEY ("complement_id") REFERENCES "products" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "product_complements_product_id" FOREIGN KEY ("product_id") REFERENCES "products" ("id") ON UPDATE NO ACTION ON DELETE CASCADE);
