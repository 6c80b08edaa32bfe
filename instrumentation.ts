// Runs once when a server instance starts, before it takes requests: applies migrations and
// creates the first admin, so the first visitor does not wait for either.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NEXT_PHASE === "phase-production-build") {
    return;
  }

  const { prepareServer } = await import("./lib/prepare-server");
  await prepareServer();
}
