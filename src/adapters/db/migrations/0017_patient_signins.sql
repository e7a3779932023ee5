CREATE TABLE "patient_signins" (
	"id" text PRIMARY KEY NOT NULL,
	"recipient_id" text NOT NULL,
	"patient_id" text NOT NULL,
	"address_id" text NOT NULL,
	"code_hash" text,
	"code_expires_at" text NOT NULL,
	"failed_attempts" bigint DEFAULT 0 NOT NULL,
	"session_hash" text,
	"session_expires_at" text,
	"created_at" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "patient_signins" ADD CONSTRAINT "patient_signins_recipient_id_recipients_id_fk" FOREIGN KEY ("recipient_id") REFERENCES "recipients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patient_signins" ADD CONSTRAINT "patient_signins_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "patients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patient_signins" ADD CONSTRAINT "patient_signins_address_id_recipient_addresses_id_fk" FOREIGN KEY ("address_id") REFERENCES "recipient_addresses"("id") ON DELETE no action ON UPDATE no action;