// One structured logger: a JSON object per line on stdout (stderr for warnings and errors),
// which hosting platforms index without extra configuration.

type Level = "debug" | "info" | "warn" | "error";

// "silent" only exists as a setting (tests use it): no line has a rank that high.
const levelRank: Record<Level | "silent", number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 50 };

// Field names whose values are secrets. They are replaced before a line is written.
const secretFieldPattern = /pass(word)?|secret|token|cookie|authorization|^sid$/i;

function readLevel(): Level | "silent" {
  const configured = process.env.LOG_LEVEL as Level | "silent" | undefined;
  return configured && configured in levelRank ? configured : "info";
}

function serializeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(code === undefined ? {} : { code }) };
  }
  return { message: String(error) };
}

function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const safe: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (secretFieldPattern.test(key)) {
      safe[key] = "[redacted]";
    } else if (value instanceof Error || key === "error" || key === "err") {
      safe[key] = serializeError(value);
    } else {
      safe[key] = value;
    }
  }
  return safe;
}

function write(level: Level, message: string, fields: Record<string, unknown> = {}) {
  if (levelRank[level] < levelRank[readLevel()]) {
    return;
  }

  const line = JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...redact(fields) });
  if (levelRank[level] >= levelRank.warn) {
    process.stderr.write(`${line}\n`);
  } else {
    process.stdout.write(`${line}\n`);
  }
}

export const logger = {
  debug: (message: string, fields?: Record<string, unknown>) => write("debug", message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write("info", message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write("warn", message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write("error", message, fields),
};

/**
 * Returns a logger call that writes at most once per interval. Later calls inside the interval
 * are counted, and the count is attached to the next line. Used for errors that repeat on every
 * request while a dependency is down.
 */
export function throttledLog(level: Level, intervalMs: number) {
  let lastWrittenAt = 0;
  let suppressed = 0;

  return (message: string, fields: Record<string, unknown> = {}) => {
    const now = Date.now();
    if (now - lastWrittenAt < intervalMs) {
      suppressed += 1;
      return;
    }

    write(level, message, suppressed > 0 ? { ...fields, suppressed_repeats: suppressed } : fields);
    lastWrittenAt = now;
    suppressed = 0;
  };
}
