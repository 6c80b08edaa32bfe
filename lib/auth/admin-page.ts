import "server-only";

import { redirect } from "next/navigation";

import { AppError } from "@/lib/errors";

import { getCurrentSession, type CurrentSession } from "./current-session";

export type PageAccess = { kind: "allowed"; current: CurrentSession } | { kind: "unavailable"; message: string };

async function loadSession(path: string): Promise<PageAccess> {
  try {
    const current = await getCurrentSession();
    if (!current) {
      redirect(`/login?callbackUrl=${encodeURIComponent(path)}`);
    }
    return { kind: "allowed", current };
  } catch (error) {
    // No store can validate the session: the page shows why instead of failing as a whole.
    if (AppError.is(error) && error.code === "store_unavailable") {
      return { kind: "unavailable", message: error.message };
    }
    throw error;
  }
}

/** For admin pages: sends visitors to sign in and non-admins to their account page. */
export async function checkAdminPage(path: string): Promise<PageAccess> {
  const access = await loadSession(path);
  if (access.kind === "allowed" && access.current.user.role !== "admin") {
    redirect("/account?notice=admin-only");
  }
  return access;
}

/** For pages every signed-in user may see. */
export function checkSignedInPage(path: string): Promise<PageAccess> {
  return loadSession(path);
}
