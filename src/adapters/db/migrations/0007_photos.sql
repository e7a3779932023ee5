CREATE TABLE "photos" (
	"id" text PRIMARY KEY NOT NULL,
	"patient_id" text NOT NULL,
	"identity_idx" text NOT NULL,
	"blob_id" text NOT NULL,
	"media_type" text NOT NULL,
	"cleaning" text NOT NULL,
	"findings" bigint NOT NULL,
	"purpose" text NOT NULL,
	"imported_by" text NOT NULL,
	"imported_at" text NOT NULL,
	CONSTRAINT "photos_identity_idx_unique" UNIQUE("identity_idx")
);
--> statement-breakpoint
ALTER TABLE "photos" ADD CONSTRAINT "photos_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "patients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "photos" ADD CONSTRAINT "photos_blob_id_blobs_id_fk" FOREIGN KEY ("blob_id") REFERENCES "blobs"("id") ON DELETE no action ON UPDATE no action;