-- Modify "comments" table
ALTER TABLE "comments" DROP CONSTRAINT "comments_comments_replies", ADD CONSTRAINT "comments_comments_replies" FOREIGN KEY ("parent_id") REFERENCES "comments" ("id") ON UPDATE NO ACTION ON DELETE CASCADE;
