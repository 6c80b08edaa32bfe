import { defineConfig } from "drizzle-kit";

// Only `npm run db:generate` reads this file; the server applies the generated SQL at start-up.
export default defineConfig({
  schema: "./lib/db/schema.ts",
  out: "./drizzle",
  dialect: "postgresql",
});
