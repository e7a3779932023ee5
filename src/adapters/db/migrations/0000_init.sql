CREATE TABLE "audit_checkpoints" (
	"tree_size" bigint PRIMARY KEY NOT NULL,
	"root" text NOT NULL,
	"head" text NOT NULL,
	"time" text NOT NULL,
	"key_id" text NOT NULL,
	"signature" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_records" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"time" text NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"objects" jsonb NOT NULL,
	"purpose" text NOT NULL,
	"outcome" text NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "blobs" (
	"id" text PRIMARY KEY NOT NULL,
	"key_id" text NOT NULL,
	"size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"shredded" boolean DEFAULT false NOT NULL
);
