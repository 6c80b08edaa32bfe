import { execFileSync } from "node:child_process";

// One production build for every end-to-end file. Set SKIP_BUILD=1 to reuse an existing .next.
export default function buildOnce() {
  if (process.env.SKIP_BUILD === "1") {
    return;
  }
  process.stdout.write("building the app once for the end-to-end tests (next build)...\n");
  execFileSync(process.execPath, ["node_modules/next/dist/bin/next", "build"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    timeout: 600_000,
  });
}
