import "server-only";

import { z } from "zod";

import { hashPassword } from "@/lib/auth/password";
import type { Database } from "@/lib/db/client";
import { findUserByEmail, insertUser } from "@/lib/db/queries/users";
import { userRoles, type User } from "@/lib/db/schema";
import { AppError } from "@/lib/errors";

export const newUserSchema = z.object({
  email: z.email({ message: "email must be an email address" }).max(254),
  password: z
    .string()
    .min(8, { message: "password must be at least 8 characters" })
    .max(1024, { message: "password must be at most 1024 characters" }),
  role: z.enum(userRoles, { message: "role must be admin or user" }).default("user"),
  name: z.string().trim().max(200).nullish(),
});

export type NewUser = z.input<typeof newUserSchema>;

/** Validates and stores a new account. Throws AppError `conflict` when the email is taken. */
export async function createUser(db: Database, input: NewUser): Promise<User> {
  const parsed = newUserSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError("validation_failed", issue.message, issue.path.join("."));
  }

  const { email, password, role, name } = parsed.data;
  if (await findUserByEmail(db, email)) {
    throw new AppError("conflict", `a user with email ${email.toLowerCase()} already exists`, "email");
  }

  return insertUser(db, { email, role, name: name ?? null, passwordHash: await hashPassword(password) });
}
