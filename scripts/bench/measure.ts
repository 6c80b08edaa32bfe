export interface Timing {
  median_ms: number;
  p95_ms: number;
  reps: number;
}

function percentile(sorted: number[], fraction: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index];
}

const round = (value: number) => Math.round(value * 1000) / 1000;

/**
 * Runs `operation` `warmup` times unmeasured, then `reps` times one after another, and returns
 * the median and 95th percentile of the measured runs in milliseconds.
 */
export async function measure(operation: (iteration: number) => Promise<unknown>, options: { warmup?: number; reps?: number } = {}): Promise<Timing> {
  const warmup = options.warmup ?? 5;
  const reps = Math.max(options.reps ?? 30, 20);

  for (let iteration = 0; iteration < warmup; iteration += 1) {
    await operation(iteration);
  }

  const durations: number[] = [];
  for (let iteration = 0; iteration < reps; iteration += 1) {
    const startedAt = performance.now();
    await operation(warmup + iteration);
    durations.push(performance.now() - startedAt);
  }

  durations.sort((a, b) => a - b);
  return { median_ms: round(percentile(durations, 0.5)), p95_ms: round(percentile(durations, 0.95)), reps };
}

/**
 * Measures two operations alternately, so that both see the same machine conditions. A ratio of
 * two figures measured minutes apart on a busy machine would mostly reflect those minutes.
 */
export async function measurePair(
  first: () => Promise<unknown>,
  second: () => Promise<unknown>,
  options: { warmup?: number; reps?: number } = {},
): Promise<[Timing, Timing]> {
  const warmup = options.warmup ?? 5;
  const reps = Math.max(options.reps ?? 30, 20);
  for (let iteration = 0; iteration < warmup; iteration += 1) {
    await first();
    await second();
  }

  const durations: [number[], number[]] = [[], []];
  for (let iteration = 0; iteration < reps; iteration += 1) {
    for (const [index, operation] of [first, second].entries()) {
      const startedAt = performance.now();
      await operation();
      durations[index].push(performance.now() - startedAt);
    }
  }

  return durations.map((list) => {
    list.sort((a, b) => a - b);
    return { median_ms: round(percentile(list, 0.5)), p95_ms: round(percentile(list, 0.95)), reps };
  }) as [Timing, Timing];
}
