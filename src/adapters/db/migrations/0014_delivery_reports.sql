CREATE TABLE "delivery_reports" (
	"id" text PRIMARY KEY NOT NULL,
	"delivery_id" text NOT NULL,
	"kind" text NOT NULL,
	"outcome" text NOT NULL,
	"status_code" text,
	"received_at" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "delivery_reports" ADD CONSTRAINT "delivery_reports_delivery_id_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "deliveries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "delivery_reports_delivery" ON "delivery_reports" USING btree ("delivery_id");--> statement-breakpoint
CREATE INDEX "deliveries_message_id" ON "deliveries" USING btree ("message_id");