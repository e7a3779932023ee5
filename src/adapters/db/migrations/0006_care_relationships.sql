CREATE TABLE "care_relationships" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"patient_id" text NOT NULL,
	"kind" text NOT NULL,
	"granted_by" text NOT NULL,
	"starts_at" text NOT NULL,
	"ends_at" text,
	"ended_at" text
);
--> statement-breakpoint
ALTER TABLE "care_relationships" ADD CONSTRAINT "care_relationships_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "care_relationships" ADD CONSTRAINT "care_relationships_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "patients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "care_relationships_user_patient" ON "care_relationships" USING btree ("user_id","patient_id");--> statement-breakpoint
CREATE INDEX "patients_mrn_idx" ON "patients" USING btree ("mrn_idx");--> statement-breakpoint
CREATE INDEX "patients_name_idx" ON "patients" USING btree ("name_idx");