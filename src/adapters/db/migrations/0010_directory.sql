CREATE TABLE "access_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"patient_id" text NOT NULL,
	"requester_id" text NOT NULL,
	"received_at" text NOT NULL,
	"due_at" text NOT NULL,
	"extended_at" text,
	"extension_reason_enc" text,
	"identity_verified_at" text,
	"format" text NOT NULL,
	"channel" text NOT NULL,
	"warning_version" text,
	"plain_email_ack_at" text,
	"completed_at" text,
	"created_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agreements" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"recipient_id" text NOT NULL,
	"parties_enc" text NOT NULL,
	"effective_at" text NOT NULL,
	"ends_at" text,
	"terminated_at" text,
	"scope" jsonb NOT NULL,
	"document_blob_id" text,
	"created_at" text NOT NULL,
	"created_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "authorizations" (
	"id" text PRIMARY KEY NOT NULL,
	"patient_id" text NOT NULL,
	"form_enc" text NOT NULL,
	"document_blob_id" text,
	"revoked_at" text,
	"created_at" text NOT NULL,
	"created_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "disclosure_reviews" (
	"id" text PRIMARY KEY NOT NULL,
	"study_id" text NOT NULL,
	"recipient_id" text NOT NULL,
	"purpose" text NOT NULL,
	"requested_by" text NOT NULL,
	"requested_at" text NOT NULL,
	"outcome" text,
	"citation" text,
	"note_enc" text,
	"decided_by" text,
	"decided_at" text
);
--> statement-breakpoint
CREATE TABLE "incidents" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"discovered_at" text NOT NULL,
	"facts_enc" text NOT NULL,
	"status" text NOT NULL,
	"created_at" text NOT NULL,
	"created_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recipient_addresses" (
	"id" text PRIMARY KEY NOT NULL,
	"recipient_id" text NOT NULL,
	"address_enc" text NOT NULL,
	"address_idx" text NOT NULL,
	"verified_at" text,
	"verified_by" text,
	"verification_method" text,
	"superseded_at" text,
	"created_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recipient_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"recipient_id" text NOT NULL,
	"kind" text NOT NULL,
	"fingerprint" text NOT NULL,
	"material_enc" text NOT NULL,
	"address_idx" text NOT NULL,
	"not_before" text,
	"not_after" text,
	"verified_at" text,
	"verified_by" text,
	"verification_method" text,
	"revoked_at" text,
	"created_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recipients" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"name_enc" text NOT NULL,
	"name_idx" text NOT NULL,
	"organization_enc" text,
	"npi" text,
	"patient_id" text,
	"identity_verified_at" text,
	"identity_verified_by" text,
	"identity_method" text,
	"last_disclosed_address_id" text,
	"created_at" text NOT NULL,
	"created_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "restrictions" (
	"id" text PRIMARY KEY NOT NULL,
	"patient_id" text NOT NULL,
	"kind" text NOT NULL,
	"spec" jsonb NOT NULL,
	"agreed_at" text NOT NULL,
	"terminated_at" text,
	"created_by" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "access_requests" ADD CONSTRAINT "access_requests_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "patients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_requests" ADD CONSTRAINT "access_requests_requester_id_recipients_id_fk" FOREIGN KEY ("requester_id") REFERENCES "recipients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agreements" ADD CONSTRAINT "agreements_recipient_id_recipients_id_fk" FOREIGN KEY ("recipient_id") REFERENCES "recipients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agreements" ADD CONSTRAINT "agreements_document_blob_id_blobs_id_fk" FOREIGN KEY ("document_blob_id") REFERENCES "blobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authorizations" ADD CONSTRAINT "authorizations_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "patients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authorizations" ADD CONSTRAINT "authorizations_document_blob_id_blobs_id_fk" FOREIGN KEY ("document_blob_id") REFERENCES "blobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disclosure_reviews" ADD CONSTRAINT "disclosure_reviews_study_id_studies_id_fk" FOREIGN KEY ("study_id") REFERENCES "studies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disclosure_reviews" ADD CONSTRAINT "disclosure_reviews_recipient_id_recipients_id_fk" FOREIGN KEY ("recipient_id") REFERENCES "recipients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recipient_addresses" ADD CONSTRAINT "recipient_addresses_recipient_id_recipients_id_fk" FOREIGN KEY ("recipient_id") REFERENCES "recipients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recipient_keys" ADD CONSTRAINT "recipient_keys_recipient_id_recipients_id_fk" FOREIGN KEY ("recipient_id") REFERENCES "recipients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recipients" ADD CONSTRAINT "recipients_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "patients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "restrictions" ADD CONSTRAINT "restrictions_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "patients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "recipient_addresses_recipient" ON "recipient_addresses" USING btree ("recipient_id");--> statement-breakpoint
CREATE INDEX "recipient_addresses_idx" ON "recipient_addresses" USING btree ("address_idx");