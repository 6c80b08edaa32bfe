import { z } from "zod";

// Every environment variable the server reads, parsed once. `.env.example` documents each one.

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const seconds = (fallback: number, min: number) => z.coerce.number().int().min(min).default(fallback);

const milliseconds = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

function urlWithScheme(schemes: string[]) {
  return optionalText.refine(
    (value) => value === undefined || schemes.some((scheme) => value.startsWith(`${scheme}://`)),
    { message: `must start with ${schemes.map((scheme) => `${scheme}://`).join(" or ")}` },
  );
}

const environmentSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),

    DATABASE_URL: urlWithScheme(["postgres", "postgresql"]),
    PGLITE_DATA_DIR: z.string().trim().min(1).default(".data/pglite"),
    DATABASE_CONNECT_TIMEOUT_SECONDS: seconds(2, 1),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),

    REDIS_URL: urlWithScheme(["redis", "rediss"]),
    // Comma-separated host:port (or redis:// URL) entries of Redis Cluster nodes; any few will do.
    REDIS_CLUSTER_NODES: optionalText.refine(
      (value) => value === undefined || value.split(",").every((entry) => /^(rediss?:\/\/)?[^,\s]+:\d+$/.test(entry.trim())),
      { message: "must be comma-separated host:port entries, e.g. 10.0.0.1:7000,10.0.0.2:7000" },
    ),
    REDIS_KEY_PREFIX: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_.-]{1,32}$/, "must be 1 to 32 letters, digits, dots, dashes or underscores")
      .default("sc"),
    REDIS_CONNECT_TIMEOUT_MS: milliseconds(1000, 50, 60_000),
    REDIS_COMMAND_TIMEOUT_MS: milliseconds(500, 20, 60_000),
    REDIS_RETRY_INTERVAL_MS: milliseconds(2000, 100, 600_000),

    SESSION_BACKEND: z.enum(["auto", "redis", "database"]).default("auto"),
    // The Redis record has room for up to about 900 days of age and 19 days of idle timeout.
    SESSION_MAX_AGE_SECONDS: seconds(8 * 60 * 60, 60).pipe(z.number().max(77_760_000, "must be at most 77760000 (900 days)")),
    SESSION_IDLE_TIMEOUT_SECONDS: seconds(30 * 60, 60).pipe(z.number().max(1_679_615, "must be at most 1679615 (19 days)")),
    // 0 turns the background keyspace check off.
    SESSION_INTEGRITY_SCAN_INTERVAL_SECONDS: seconds(3600, 0),

    TRUSTED_PROXY_COUNT: z.coerce.number().int().min(1).max(10).default(1),

    NEXTAUTH_URL: urlWithScheme(["http", "https"]),
    NEXTAUTH_SECRET: optionalText.refine((value) => value === undefined || value.length >= 32, {
      message: "must be at least 32 characters (try: openssl rand -base64 32)",
    }),

    CRON_SECRET: optionalText.refine((value) => value === undefined || value.length >= 16, {
      message: "must be at least 16 characters",
    }),
    // The in-process minute timer that records the history under `next start`; serverless
    // deployments use the cron route instead.
    HISTORY_TIMER: z.enum(["on", "off"]).default("on"),
    // Webhook URL for alert messages; its path and query usually contain the receiver's secret.
    ALERT_WEBHOOK_URL: urlWithScheme(["http", "https"]),
    ALERT_WEBHOOK_FORMAT: z.enum(["generic", "slack"]).default("generic"),
    ALERT_WEBHOOK_TIMEOUT_MS: milliseconds(5000, 100, 60_000),
    METRICS_TOKEN: optionalText.refine((value) => value === undefined || value.length >= 16, {
      message: "must be at least 16 characters",
    }),

    ADMIN_EMAIL: optionalText.pipe(z.email({ message: "must be an email address" }).optional()),
    ADMIN_PASSWORD: optionalText.refine((value) => value === undefined || value.length >= 8, {
      message: "must be at least 8 characters",
    }),
  })
  .superRefine((values, context) => {
    if (values.SESSION_BACKEND === "redis" && !values.REDIS_URL && !values.REDIS_CLUSTER_NODES) {
      context.addIssue({
        code: "custom",
        path: ["REDIS_URL"],
        message: "or REDIS_CLUSTER_NODES is required when SESSION_BACKEND=redis",
      });
    }
    if (Boolean(values.ADMIN_EMAIL) !== Boolean(values.ADMIN_PASSWORD)) {
      context.addIssue({
        code: "custom",
        path: [values.ADMIN_EMAIL ? "ADMIN_PASSWORD" : "ADMIN_EMAIL"],
        message: "must be set together with the other of ADMIN_EMAIL and ADMIN_PASSWORD",
      });
    }
  });

export type Environment = z.infer<typeof environmentSchema>;

export class InvalidEnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment variables:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "InvalidEnvironmentError";
  }
}

/** Parses a set of variables; throws InvalidEnvironmentError naming every bad variable at once. */
export function parseEnvironment(source: Record<string, string | undefined>): Environment {
  const result = environmentSchema.safeParse(source);
  if (result.success) {
    return result.data;
  }

  const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"} ${issue.message}`);
  throw new InvalidEnvironmentError(problems);
}

let cachedEnvironment: Environment | undefined;

/**
 * Returns the parsed process environment. Parsing is lazy so that `next build`, which imports
 * route modules, does not need the runtime variables.
 */
export function getEnv(): Environment {
  cachedEnvironment ??= parseEnvironment(process.env);
  return cachedEnvironment;
}

/** The store that holds sessions when both are healthy. */
export function getConfiguredSessionStore(env: Environment = getEnv()): "redis" | "database" {
  if (env.SESSION_BACKEND === "auto") {
    return env.REDIS_URL || env.REDIS_CLUSTER_NODES ? "redis" : "database";
  }
  return env.SESSION_BACKEND;
}
