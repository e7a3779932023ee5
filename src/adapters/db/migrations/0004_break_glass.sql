ALTER TABLE "sessions" ADD COLUMN "break_glass_reason" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "break_glass_until" text;