"use client";

import { useState, type FormEvent } from "react";

import { ApiError, sendJson } from "@/lib/swr/fetcher";

type Field = "current_password" | "new_password" | "confirm_password";

const labels: Record<Field, string> = {
  current_password: "Current password",
  new_password: "New password",
  confirm_password: "Confirm new password",
};

const inputClass =
  "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 focus:border-slate-500 focus:outline-none aria-invalid:border-red-500";

// The API names fields by their JSON keys ("current_password is wrong"), so the form puts its labels in their place.
function describeFieldError(field: Field, message: string): string {
  if (!message.startsWith(field)) return message;
  const sentence = `${labels[field]}${message.slice(field.length)}`;
  return sentence.endsWith(".") ? sentence : `${sentence}.`;
}

function isField(value: string | undefined): value is Field {
  return value !== undefined && value in labels;
}

function signedOutMessage(count: number): string {
  if (count === 0) return "Password changed. You had no other sessions to sign out.";
  return `Password changed. Signed out ${count} other ${count === 1 ? "session" : "sessions"}.`;
}

/**
 * Changes the signed-in user's password. The server signs out every other session of the user and
 * keeps this one. An error that the server reports for a field appears under that field.
 */
export function ChangePasswordForm({ email }: { email: string }) {
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const values = new FormData(form);
    const currentPassword = String(values.get("current_password") ?? "");
    const newPassword = String(values.get("new_password") ?? "");
    setFieldErrors({});
    setFormError(null);
    setDone(null);

    if (newPassword !== String(values.get("confirm_password") ?? "")) {
      setFieldErrors({ confirm_password: "The new passwords do not match." });
      return;
    }

    setPending(true);
    try {
      const result = await sendJson<{ signed_out_sessions: number }>("/api/account/password", "POST", {
        current_password: currentPassword,
        new_password: newPassword,
      });
      form.reset();
      setDone(signedOutMessage(result.signed_out_sessions));
    } catch (caught) {
      if (caught instanceof ApiError && isField(caught.field)) {
        setFieldErrors({ [caught.field]: describeFieldError(caught.field, caught.message) });
      } else {
        setFormError(caught instanceof Error ? caught.message : "The password change failed.");
      }
    } finally {
      setPending(false);
    }
  }

  return (
    <section className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
      <h2 className="text-base font-semibold">Change password</h2>
      <p className="mt-1 text-sm text-slate-500">Changing it signs out your other sessions. This one stays signed in.</p>
      <form onSubmit={onSubmit} noValidate data-testid="change-password" className="mt-4 max-w-md space-y-4">
        {formError ? (
          <p role="alert" data-testid="password-error" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
            {formError}
          </p>
        ) : null}
        {/* Lets password managers tell which account the new password belongs to. */}
        <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />
        {(Object.keys(labels) as Field[]).map((field) => (
          <div key={field} className="text-sm">
            <label htmlFor={`password-${field}`} className="font-medium text-slate-700">
              {labels[field]}
            </label>
            <input
              id={`password-${field}`}
              name={field}
              type="password"
              required
              autoComplete={field === "current_password" ? "current-password" : "new-password"}
              aria-invalid={fieldErrors[field] ? true : undefined}
              aria-describedby={fieldErrors[field] ? `password-${field}-error` : undefined}
              className={inputClass}
            />
            {fieldErrors[field] ? (
              <p id={`password-${field}-error`} data-testid={`${field}-error`} className="mt-1 text-red-700">
                {fieldErrors[field]}
              </p>
            ) : null}
          </div>
        ))}
        <div className="flex flex-wrap items-center gap-3">
          <button
            type="submit"
            disabled={pending}
            className="rounded-md bg-slate-900 px-3 py-2 text-sm font-medium text-white hover:bg-slate-800 disabled:opacity-60"
          >
            {pending ? "Changing…" : "Change password"}
          </button>
          {done ? (
            <span role="status" data-testid="password-changed" className="text-sm text-emerald-700">
              {done}
            </span>
          ) : null}
        </div>
      </form>
    </section>
  );
}
