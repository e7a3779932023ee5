CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"roles" jsonb NOT NULL,
	"password_hash" text NOT NULL,
	"totp_secret_enc" text,
	"mfa_required" boolean NOT NULL,
	"failed_attempts" bigint DEFAULT 0 NOT NULL,
	"locked_until" text,
	"created_at" text NOT NULL,
	CONSTRAINT "users_username_unique" UNIQUE("username")
);
