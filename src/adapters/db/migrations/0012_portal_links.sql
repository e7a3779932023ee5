CREATE TABLE "portal_links" (
	"id" text PRIMARY KEY NOT NULL,
	"token_hash" text NOT NULL,
	"study_id" text NOT NULL,
	"recipient_id" text NOT NULL,
	"address_id" text NOT NULL,
	"purpose" text NOT NULL,
	"citation" text NOT NULL,
	"accountable" boolean NOT NULL,
	"package_blob_id" text NOT NULL,
	"factor" text NOT NULL,
	"passcode_hash" text,
	"code_hash" text,
	"code_expires_at" text,
	"failed_attempts" bigint DEFAULT 0 NOT NULL,
	"session_hash" text,
	"expires_at" text NOT NULL,
	"max_downloads" bigint NOT NULL,
	"downloads" bigint DEFAULT 0 NOT NULL,
	"revoked_at" text,
	"created_at" text NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "portal_links_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
ALTER TABLE "portal_links" ADD CONSTRAINT "portal_links_study_id_studies_id_fk" FOREIGN KEY ("study_id") REFERENCES "studies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "portal_links" ADD CONSTRAINT "portal_links_recipient_id_recipients_id_fk" FOREIGN KEY ("recipient_id") REFERENCES "recipients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "portal_links" ADD CONSTRAINT "portal_links_address_id_recipient_addresses_id_fk" FOREIGN KEY ("address_id") REFERENCES "recipient_addresses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "portal_links" ADD CONSTRAINT "portal_links_package_blob_id_blobs_id_fk" FOREIGN KEY ("package_blob_id") REFERENCES "blobs"("id") ON DELETE no action ON UPDATE no action;