"use client";

import { useRouter } from "next/navigation";
import type { FormEvent } from "react";

import type { SessionFilter } from "@/lib/sessions/list-query";

const commonBrowsers = ["Chrome", "Firefox", "Safari", "Mobile Safari", "Edge", "Opera", "Samsung Browser"];
const commonSystems = ["Windows", "Mac OS", "iOS", "Android", "Linux", "Chrome OS"];

// Times are entered and shown in UTC, so the server and the browser render the same values.
function toInputValue(iso: string | undefined): string {
  return iso ? iso.slice(0, 16) : "";
}

function fromInputValue(value: string): string | null {
  return value ? `${value}:00Z` : null;
}

const inputClass = "mt-1 block w-full rounded-md border border-slate-300 px-2.5 py-1.5 text-sm focus:border-slate-500 focus:outline-none";

/** Renders the session list's filters. Applying them puts them in the URL, so a view can be shared. */
export function SessionFilterForm({ filter, basePath }: { filter: SessionFilter; basePath: string }) {
  const router = useRouter();

  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const params = new URLSearchParams();

    for (const field of ["email", "status", "ip", "browser", "os"] as const) {
      const value = String(form.get(field) ?? "").trim();
      if (value) params.set(field, value);
    }
    for (const field of ["created_after", "created_before"] as const) {
      const value = fromInputValue(String(form.get(field) ?? ""));
      if (value) params.set(field, value);
    }
    if (filter.user_id) params.set("user_id", filter.user_id);

    const query = params.toString();
    router.push(query ? `${basePath}?${query}` : basePath);
  }

  return (
    <form onSubmit={apply} data-testid="session-filters" className="grid grid-cols-2 gap-3 rounded-lg border border-slate-200 bg-white p-4 text-sm shadow-sm md:grid-cols-4 xl:grid-cols-8">
      <label className="col-span-2">
        <span className="text-slate-600">User email</span>
        <input name="email" type="search" defaultValue={filter.email ?? ""} placeholder="part of an email" className={inputClass} />
      </label>
      <label>
        <span className="text-slate-600">Status</span>
        <select name="status" defaultValue={filter.status ?? ""} className={inputClass}>
          <option value="">Any</option>
          <option value="active">Active</option>
          <option value="expired">Expired</option>
          <option value="revoked">Signed out</option>
        </select>
      </label>
      <label>
        <span className="text-slate-600">IP or CIDR</span>
        <input name="ip" defaultValue={filter.ip ?? ""} placeholder="10.0.0.0/8" className={inputClass} />
      </label>
      <label>
        <span className="text-slate-600">Browser</span>
        <input name="browser" list="browser-names" defaultValue={filter.browser ?? ""} className={inputClass} />
        <datalist id="browser-names">
          {commonBrowsers.map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
      </label>
      <label>
        <span className="text-slate-600">OS</span>
        <input name="os" list="os-names" defaultValue={filter.os ?? ""} className={inputClass} />
        <datalist id="os-names">
          {commonSystems.map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
      </label>
      <label>
        <span className="text-slate-600">Created after (UTC)</span>
        <input name="created_after" type="datetime-local" defaultValue={toInputValue(filter.created_after)} className={inputClass} />
      </label>
      <label>
        <span className="text-slate-600">Created before (UTC)</span>
        <input name="created_before" type="datetime-local" defaultValue={toInputValue(filter.created_before)} className={inputClass} />
      </label>
      <div className="col-span-2 flex items-end gap-2 md:col-span-4 xl:col-span-8">
        <button type="submit" className="rounded-md bg-slate-900 px-3 py-1.5 font-medium text-white hover:bg-slate-800">
          Apply filters
        </button>
        <button type="button" onClick={() => router.push(filter.user_id ? `${basePath}?user_id=${filter.user_id}` : basePath)} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 font-medium text-slate-700 hover:bg-slate-100">
          Clear
        </button>
      </div>
    </form>
  );
}
