CREATE TABLE "alerts" (
	"id" text PRIMARY KEY NOT NULL,
	"time" text NOT NULL,
	"kind" text NOT NULL,
	"severity" text NOT NULL,
	"refs" jsonb NOT NULL,
	"summary" text NOT NULL,
	"acknowledged_at" text,
	"acknowledged_by" text,
	"delivered_at" text
);
