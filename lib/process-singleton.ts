// Next.js bundles instrumentation, route handlers and pages separately, and a dev server reloads
// modules on every edit, so a module-level `let` can exist several times in one process. Objects
// that must exist once per process (connection pools, the embedded database, failure state) are
// kept on globalThis under a namespaced key instead.

const registryKey = Symbol.for("session-console.singletons");

type Registry = Map<string, unknown>;

function getRegistry(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  holder[registryKey] ??= new Map();
  return holder[registryKey];
}

export function processSingleton<T>(key: string, create: () => T): T {
  const registry = getRegistry();
  if (!registry.has(key)) {
    registry.set(key, create());
  }
  return registry.get(key) as T;
}

/** Drops a singleton so the next processSingleton call creates it again (tests, shutdown). */
export function forgetProcessSingleton(key: string): void {
  getRegistry().delete(key);
}
