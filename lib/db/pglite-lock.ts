import { readFileSync, unlinkSync, writeFileSync } from "node:fs";

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Claims a PGlite data directory for this process with a `<dir>.lock` file holding the pid.
 * PGlite has no lock of its own, and two processes writing one directory corrupt it, so a second
 * process (a second server, or `npm run user:add` while the console runs) is rejected with an
 * explanation. A lock left by a process that no longer runs is taken over.
 */
export function lockPgliteDirectory(dataDir: string): void {
  const lockPath = `${dataDir}.lock`;
  const owner = String(process.pid);

  try {
    writeFileSync(lockPath, owner, { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;

    const holder = Number(readFileSync(lockPath, "utf8").trim());
    if (holder !== process.pid && Number.isSafeInteger(holder) && holder > 0 && isRunning(holder)) {
      throw new Error(
        `The embedded database ${dataDir} is in use by process ${holder}. Stop that process first, ` +
          "or give this one its own PGLITE_DATA_DIR, or use PostgreSQL through DATABASE_URL.",
      );
    }
    writeFileSync(lockPath, owner);
  }

  process.once("exit", () => {
    try {
      if (readFileSync(lockPath, "utf8").trim() === owner) unlinkSync(lockPath);
    } catch {
      // Already gone.
    }
  });
}
