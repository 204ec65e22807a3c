/**
 * Quick and full settings of a lesson: the full setting is the lesson as taught; the quick one
 * (smaller data, fewer epochs, still learning for real) is what the tests run.
 * `COURSE_SETTING=quick` in the environment Jupyter starts from selects it.
 *
 * @module
 */

/** The two settings. */
export type SettingName = "quick" | "full";

/**
 * The setting chosen by `COURSE_SETTING` (default `full`).
 *
 * @example
 * ```ts
 * import { settingName } from "@course/lib";
 * settingName(); // "full", unless COURSE_SETTING=quick
 * ```
 */
export function settingName(): SettingName {
  const value = (Deno.env.get("COURSE_SETTING") ?? "full").trim().toLowerCase();
  if (value !== "quick" && value !== "full") {
    throw new Error(
      `Cannot choose the lesson's setting as COURSE_SETTING must be quick or full: current value is "${value}"`,
    );
  }
  return value;
}

/**
 * Picks a lesson's settings for the current setting and says which in one line.
 *
 * @example
 * ```ts
 * import { settings } from "@course/lib";
 * const { epochs, samples } = settings({ quick: { epochs: 5, samples: 500 }, full: { epochs: 30, samples: 60000 } });
 * ```
 */
export function settings<T>(choices: { quick: T; full: T }): T {
  const name = settingName();
  const chosen = choices[name];
  console.log(`setting: ${name} ${JSON.stringify(chosen)} (COURSE_SETTING=quick|full)`);
  return chosen;
}
