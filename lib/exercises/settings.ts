/**
 * Used by lessons 02–12.
 *
 * A lesson's settings: the full setting is the lesson as taught; the quick one (smaller data, fewer
 * epochs, still learning for real) is what the tests run on WebAssembly; the smoke one (the least
 * data and the fewest steps that still run every cell's code, asserting nothing about learning) is
 * what the tests run on the slow software WebGPU adapter. `COURSE_SETTING=quick` (or `smoke`) in
 * the environment Jupyter starts from selects one.
 *
 * @module
 */

import { type SettingName, settingName, SETTINGS } from "../../contract/settings.ts";

/**
 * Picks a lesson's settings for the current setting and says which in one line.
 *
 * @example
 * ```ts
 * import { settings } from "@course/lib";
 * const { epochs, samples } = settings({
 *   smoke: { epochs: 1, samples: 64 },
 *   quick: { epochs: 5, samples: 500 },
 *   full: { epochs: 30, samples: 60000 },
 * });
 * ```
 */
export function settings<T>(choices: Record<SettingName, T>): T {
  const name = settingName();
  const chosen = choices[name];
  console.log(`setting: ${name} ${JSON.stringify(chosen)} (COURSE_SETTING=${SETTINGS.join("|")})`);
  return chosen;
}
