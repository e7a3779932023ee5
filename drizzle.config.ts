// drizzle-kit: generates SQL migrations from src/adapters/db/schema.ts (npm run db:generate).
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/adapters/db/schema.ts",
  out: "./src/adapters/db/migrations",
});
