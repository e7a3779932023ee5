CREATE TABLE "instances" (
	"id" text PRIMARY KEY NOT NULL,
	"series_id" text NOT NULL,
	"identity_idx" text NOT NULL,
	"sop_uid_enc" text NOT NULL,
	"sop_class_uid" text,
	"blob_id" text NOT NULL,
	"purpose" text NOT NULL,
	"imported_by" text NOT NULL,
	"imported_at" text NOT NULL,
	CONSTRAINT "instances_identity_idx_unique" UNIQUE("identity_idx")
);
--> statement-breakpoint
CREATE TABLE "patients" (
	"id" text PRIMARY KEY NOT NULL,
	"key_idx" text NOT NULL,
	"name_enc" text,
	"name_idx" text,
	"mrn_enc" text,
	"mrn_idx" text,
	"birth_date_enc" text,
	"created_at" text NOT NULL,
	CONSTRAINT "patients_key_idx_unique" UNIQUE("key_idx")
);
--> statement-breakpoint
CREATE TABLE "series" (
	"id" text PRIMARY KEY NOT NULL,
	"study_id" text NOT NULL,
	"uid_idx" text NOT NULL,
	"uid_enc" text NOT NULL,
	"modality" text,
	CONSTRAINT "series_uid_idx_unique" UNIQUE("uid_idx")
);
--> statement-breakpoint
CREATE TABLE "studies" (
	"id" text PRIMARY KEY NOT NULL,
	"patient_id" text NOT NULL,
	"uid_idx" text NOT NULL,
	"uid_enc" text NOT NULL,
	"study_date_enc" text,
	"description_enc" text,
	"created_at" text NOT NULL,
	CONSTRAINT "studies_uid_idx_unique" UNIQUE("uid_idx")
);
--> statement-breakpoint
ALTER TABLE "instances" ADD CONSTRAINT "instances_series_id_series_id_fk" FOREIGN KEY ("series_id") REFERENCES "series"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instances" ADD CONSTRAINT "instances_blob_id_blobs_id_fk" FOREIGN KEY ("blob_id") REFERENCES "blobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "series" ADD CONSTRAINT "series_study_id_studies_id_fk" FOREIGN KEY ("study_id") REFERENCES "studies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "studies" ADD CONSTRAINT "studies_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "patients"("id") ON DELETE no action ON UPDATE no action;