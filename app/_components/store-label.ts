/** The store names the dashboards show, e.g. "Redis Sessions". */
export function storeLabel(kind: "redis" | "database"): string {
  return kind === "redis" ? "Redis Sessions" : "Database Sessions";
}
