ALTER TABLE "portal_links" ADD COLUMN "codes_issued" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "portal_links" ADD COLUMN "share_key" text;