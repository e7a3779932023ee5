CREATE TABLE "dicom_nodes" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"ae_title" text NOT NULL,
	"host" text,
	"port" bigint,
	"tls" boolean DEFAULT false NOT NULL,
	"private_network" boolean DEFAULT false NOT NULL,
	"inbound" boolean DEFAULT false NOT NULL,
	"recipient_id" text,
	"created_at" text NOT NULL,
	"created_by" text NOT NULL,
	"removed_at" text
);
--> statement-breakpoint
CREATE TABLE "routing_rules" (
	"id" text PRIMARY KEY NOT NULL,
	"from_node_id" text NOT NULL,
	"recipient_id" text NOT NULL,
	"purpose" text NOT NULL,
	"channel" text,
	"created_at" text NOT NULL,
	"created_by" text NOT NULL,
	"removed_at" text
);
--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "node_id" text;--> statement-breakpoint
ALTER TABLE "dicom_nodes" ADD CONSTRAINT "dicom_nodes_recipient_id_recipients_id_fk" FOREIGN KEY ("recipient_id") REFERENCES "recipients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_rules" ADD CONSTRAINT "routing_rules_from_node_id_dicom_nodes_id_fk" FOREIGN KEY ("from_node_id") REFERENCES "dicom_nodes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_rules" ADD CONSTRAINT "routing_rules_recipient_id_recipients_id_fk" FOREIGN KEY ("recipient_id") REFERENCES "recipients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dicom_nodes_ae" ON "dicom_nodes" USING btree ("ae_title");--> statement-breakpoint
CREATE INDEX "dicom_nodes_recipient" ON "dicom_nodes" USING btree ("recipient_id");