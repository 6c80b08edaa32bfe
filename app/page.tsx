import { redirect } from "next/navigation";

import { getCurrentSession } from "@/lib/auth/current-session";

export const dynamic = "force-dynamic";

// The start page only routes: admins to the health dashboard, users to their account.
export default async function HomePage() {
  const current = await getCurrentSession();
  if (!current) {
    redirect("/login");
  }
  redirect(current.user.role === "admin" ? "/admin/session-health" : "/account");
}
