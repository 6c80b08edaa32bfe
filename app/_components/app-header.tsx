import Link from "next/link";

import type { CurrentSession } from "@/lib/auth/current-session";

import { SignOutButton } from "./sign-out-button";

const adminLinks = [
  { href: "/admin/session-health", label: "Health" },
  { href: "/admin/session-monitoring", label: "Monitoring" },
  { href: "/admin/sessions", label: "Sessions" },
  { href: "/admin/alerts", label: "Alerts" },
  { href: "/admin/audit", label: "Audit" },
];

const accountLinks = [
  { href: "/account", label: "Account" },
  { href: "/account/sessions", label: "My sessions" },
];

export function AppHeader({ current, activePath }: { current: CurrentSession; activePath: string }) {
  const links = current.user.role === "admin" ? [...adminLinks, ...accountLinks] : accountLinks;

  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-x-6 gap-y-2 px-6 py-3">
        <div className="flex flex-wrap items-center gap-x-8 gap-y-2">
          <Link href="/" className="text-base font-semibold tracking-tight text-slate-900">
            Session Console
          </Link>
          <nav className="flex gap-1 text-sm">
            {links.map((link) => (
              <Link
                key={link.href}
                href={link.href}
                className={
                  link.href === activePath
                    ? "rounded-md bg-slate-100 px-3 py-1.5 font-medium text-slate-900"
                    : "rounded-md px-3 py-1.5 text-slate-600 hover:bg-slate-50 hover:text-slate-900"
                }
              >
                {link.label}
              </Link>
            ))}
          </nav>
        </div>
        <div className="flex items-center gap-3 text-sm">
          <span className="break-all text-slate-600" data-testid="signed-in-as">
            {current.user.email}
          </span>
          <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium uppercase tracking-wide text-slate-600">
            {current.user.role}
          </span>
          <SignOutButton />
        </div>
      </div>
    </header>
  );
}
