// npm run user:add -- --email E --password P --role admin|user [--name N]
// Adds an account to the configured database (DATABASE_URL, or the embedded PGlite store).

import { parseArgs } from "node:util";

import { AppError } from "@/lib/errors";
import { getDatabase } from "@/lib/startup";
import { createUser } from "@/lib/users/create-user";

import { closeConnections } from "./shutdown";

const usage = "usage: npm run user:add -- --email E --password P [--role admin|user] [--name N]";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      email: { type: "string" },
      password: { type: "string" },
      role: { type: "string", default: "user" },
      name: { type: "string" },
    },
  });
  if (!values.email || !values.password) {
    console.error(`missing --email or --password\n${usage}`);
    return 2;
  }
  if (values.role !== "admin" && values.role !== "user") {
    console.error(`invalid --role ${JSON.stringify(values.role)}: expected admin or user\n${usage}`);
    return 2;
  }

  try {
    const user = await createUser(await getDatabase(), {
      email: values.email,
      password: values.password,
      role: values.role,
      name: values.name,
    });
    console.log(`added ${user.role} ${user.email} (id ${user.id})`);
    return 0;
  } catch (error) {
    if (AppError.is(error)) {
      console.error(`could not add the user: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

main()
  .then(async (code) => {
    await closeConnections();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    await closeConnections().catch(() => undefined);
    process.exit(1);
  });
