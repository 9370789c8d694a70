// Long work on the page's main thread, in slices: a loop checks `due` every few hundred items
// and, when its slice has run `budget` ms, awaits `pause()`, which gives the page a turn (input,
// drawing, other widgets). Time, not a count, ends a slice: on a busy machine a count's slice
// takes several times longer, and the goal is that the page never blocks for long.
const yieldToPage =
  typeof globalThis.scheduler?.yield === "function"
    ? () => globalThis.scheduler.yield() // resumes ahead of other tasks, no 4 ms timer clamp
    : () => new Promise((resolve) => setTimeout(resolve, 0));

export function slicer(budget = 16) {
  let start = performance.now();
  return {
    /** True when the current slice has used its time (cheap: check every ~256 items). */
    get due() {
      return performance.now() - start > budget;
    },
    /** Give the page a turn, then start a new slice. */
    async pause() {
      await yieldToPage();
      start = performance.now();
    },
  };
}
