CREATE TABLE "audit_anchors" (
	"tree_size" bigint PRIMARY KEY NOT NULL,
	"head" text NOT NULL,
	"pruned_at" text NOT NULL
);
