// Preloaded with `node --require` into a console server under test: shifts the process clock,
// Date.now() and `new Date()` with no argument, by TEST_CLOCK_OFFSET_MS milliseconds (negative
// for a clock that is behind). Dates built from a value, timers and performance.now() are unchanged.
"use strict";

const offsetMs = Number(process.env.TEST_CLOCK_OFFSET_MS ?? "0");
if (!Number.isFinite(offsetMs)) {
  throw new Error(`TEST_CLOCK_OFFSET_MS must be a number of milliseconds, got ${process.env.TEST_CLOCK_OFFSET_MS}`);
}

const RealDate = Date;
const shiftedNow = () => RealDate.now() + offsetMs;

globalThis.Date = new Proxy(RealDate, {
  construct(target, args, newTarget) {
    return Reflect.construct(target, args.length === 0 ? [shiftedNow()] : args, newTarget);
  },
  // Date() called without `new` returns the current time as a string.
  apply() {
    return new RealDate(shiftedNow()).toString();
  },
  get(target, property, receiver) {
    return property === "now" ? shiftedNow : Reflect.get(target, property, receiver);
  },
});
