import type { Page } from "playwright-core";

// Debian's chromium, never a downloaded browser. The flags keep it off the network.
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Collects console errors and warnings (React reports hydration mismatches there) and page errors. */
export function collectProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  return problems;
}

/** Signs in through the sign-in form and waits for the page the console sends the account to. */
export async function signInThroughForm(page: Page, baseUrl: string, account: { email: string; password: string }, landing: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${baseUrl}${landing}`);
}

/** Returns the problems except Chrome's "Failed to load resource" lines, which Chrome logs for every failed request. */
export function withoutFailedLoads(problems: string[]): string[] {
  return problems.filter((problem) => !problem.startsWith("error: Failed to load resource"));
}
