import type { AuditAction } from "@/lib/db/schema";

/** The console label of each audit action. */
export const auditActionLabels: Record<AuditAction, string> = {
  "auth.lockout": "Sign-ins locked after failures",
  "account.password_change": "User changed own password",
  "user.role_change": "Changed a user's role",
  "redis.repair_index": "Repaired the Redis session index",
  "admin.sign_in": "Admin signed in",
  "admin.sign_out": "Admin signed out",
  "session.sign_out": "Signed out a session",
  "user.sign_out_all": "Signed out all sessions of a user",
  "sessions.sign_out_others": "Signed out everyone else",
  "sessions.sign_out_filter": "Signed out sessions by filter",
  "account.sign_out_session": "User signed out own session",
  "account.sign_out_others": "User signed out own other sessions",
  "alert.rule_change": "Changed an alert rule",
  "alert.webhook_change": "Changed the alert webhook",
  "alert.test": "Sent a test alert",
};
