import "server-only";

import { eq } from "drizzle-orm";

import type { Database } from "../client";
import { users, type User, type UserRole } from "../schema";

export async function findUserByEmail(db: Database, email: string): Promise<User | undefined> {
  const [user] = await db.select().from(users).where(eq(users.email, email.toLowerCase())).limit(1);
  return user;
}

export async function findUserById(db: Database, id: string): Promise<User | undefined> {
  const [user] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return user;
}

export async function hasAdmin(db: Database): Promise<boolean> {
  const [admin] = await db.select({ id: users.id }).from(users).where(eq(users.role, "admin")).limit(1);
  return admin !== undefined;
}

export async function insertUser(
  db: Database,
  values: { email: string; name: string | null; role: UserRole; passwordHash: string },
): Promise<User> {
  const [user] = await db
    .insert(users)
    .values({ ...values, email: values.email.toLowerCase() })
    .returning();
  return user;
}

/** Replaces the password and role of an existing account; returns undefined when none has that email. */
export async function updateUserCredentials(
  db: Database,
  values: { email: string; role: UserRole; passwordHash: string; name?: string | null },
): Promise<User | undefined> {
  const [user] = await db
    .update(users)
    .set({
      role: values.role,
      passwordHash: values.passwordHash,
      ...(values.name === undefined ? {} : { name: values.name }),
      updatedAt: new Date(),
    })
    .where(eq(users.email, values.email.toLowerCase()))
    .returning();
  return user;
}

export async function updateUserPassword(db: Database, id: string, passwordHash: string): Promise<void> {
  await db.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, id));
}

export async function updateUserRole(db: Database, id: string, role: UserRole): Promise<User | undefined> {
  const [user] = await db.update(users).set({ role, updatedAt: new Date() }).where(eq(users.id, id)).returning();
  return user;
}

export async function countAdmins(db: Database): Promise<number> {
  return db.$count(users, eq(users.role, "admin"));
}
