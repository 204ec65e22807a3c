/**
 * Used by lessons 05–07 and 09–12; by `deno task denoise`, `deno task segment` and `deno task train:base`.
 *
 * A progress bar for long work: updated in place in a notebook, redrawn on one line in a terminal.
 *
 * @module
 */
import { escapeHtml, inJupyter, Rich, show } from "./show.ts";

/** Options of {@linkcode progressBar}. */
export interface ProgressOptions {
  /** Text before the bar, e.g. "epoch 3". */
  label?: string;
  /** Fewest milliseconds between two redraws (default 100); the last step is always drawn. */
  intervalMs?: number;
}

const clock = (seconds: number) => {
  const s = Math.max(0, Math.round(seconds));
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
};

/** How far along, and the part of the line after the bar: "37% 370/1000 [00:12<00:20] info". */
function summary(done: number, total: number, seconds: number, info: string) {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const eta = fraction > 0 ? (seconds / fraction) * (1 - fraction) : 0;
  const percent = `${Math.round(fraction * 100)}%`.padStart(4);
  const text = `${percent} ${done}/${total} [${clock(seconds)}<${clock(eta)}]${
    info ? ` ${info}` : ""
  }`;
  return { fraction, text };
}

/**
 * One line describing progress, as terminals and the notebook's text view show it.
 *
 * @example
 * ```ts
 * import { progressText } from "./progress.ts";
 * progressText("epoch 1", 5, 10, 3); // "epoch 1 ████████████░░░░░░░░░░░░  50% 5/10 [00:03<00:03]"
 * ```
 */
export function progressText(
  label: string,
  done: number,
  total: number,
  seconds: number,
  info = "",
): string {
  const { fraction, text } = summary(done, total, seconds, info);
  const filled = Math.round(fraction * 24);
  const bar = "█".repeat(filled) + "░".repeat(24 - filled);
  return `${label ? `${label} ` : ""}${bar} ${text}`;
}

/**
 * A running progress bar; see {@linkcode progressBar}.
 *
 * @example
 * ```ts
 * import { ProgressBar } from "@course/lib";
 * const bar = new ProgressBar(3, { label: "steps" });
 * for (let i = 1; i <= 3; i++) await bar.update(i);
 * ```
 */
export class ProgressBar {
  private readonly id = `progress-${crypto.randomUUID()}`;
  private readonly started = performance.now();
  private lastDraw = -Infinity;
  private shown = false;
  private lastTenth = -1;
  /** How much is done, out of {@linkcode ProgressBar.total}. */
  done = 0;

  /**

   * A bar at 0 of `total`, drawn at the first update.
   * @param total how much there is to do, in steps
   * @param options its label and how often it redraws
   */
  constructor(readonly total: number, private readonly options: ProgressOptions = {}) {
    if (!Number.isInteger(total) || total < 0) {
      throw new Error(
        `Cannot show progress as 'total' must be a whole number ≥ 0: current value is ${total}`,
      );
    }
  }

  /** Sets how much is done (and an optional text such as "loss 0.123"), redrawing if it is time. */
  async update(done: number, info = ""): Promise<void> {
    this.done = Math.min(done, this.total);
    const now = performance.now();
    const finished = this.done >= this.total;
    if (!finished && now - this.lastDraw < (this.options.intervalMs ?? 100)) return;
    this.lastDraw = now;
    const seconds = (now - this.started) / 1000;
    const label = this.options.label ?? "";
    const text = progressText(label, this.done, this.total, seconds, info);
    if (inJupyter()) await this.drawInNotebook(text, summary(this.done, this.total, seconds, info));
    else this.drawInTerminal(text, finished);
  }

  /** Draws the bar as HTML, updating the same display in place. */
  private async drawInNotebook(
    text: string,
    { fraction, text: after }: { fraction: number; text: string },
  ): Promise<void> {
    const label = this.options.label ? `${escapeHtml(this.options.label)} ` : "";
    const html = `<div class="course-progress" style="font-family:monospace">${label}` +
      `<progress value="${(100 * fraction).toFixed(1)}" max="100" ` +
      `style="width:40%;vertical-align:middle"></progress> ${escapeHtml(after)}</div>`;
    await show(new Rich({ "text/html": html, "text/plain": text }), {
      displayId: this.id,
      update: this.shown,
    });
    this.shown = true;
  }

  /** Draws the bar on one line of a terminal, or as a line per tenth in a log. */
  private drawInTerminal(text: string, finished: boolean): void {
    const encoder = new TextEncoder();
    if (Deno.stderr.isTerminal()) {
      Deno.stderr.writeSync(encoder.encode(`\r${text}${finished ? "\n" : ""}`));
      return;
    }
    // Logs: one line per tenth, not one per redraw.
    const tenth = this.total > 0 ? Math.floor((10 * this.done) / this.total) : 10;
    if (tenth > this.lastTenth) {
      this.lastTenth = tenth;
      Deno.stderr.writeSync(encoder.encode(`${text}\n`));
    }
  }
}

/**
 * Starts a progress bar for `total` steps.
 *
 * @example
 * ```ts
 * import { progressBar } from "@course/lib";
 * const bar = progressBar(100, { label: "training" });
 * for (let i = 1; i <= 100; i++) await bar.update(i, `loss ${(1 / i).toFixed(3)}`);
 * ```
 */
export function progressBar(total: number, options: ProgressOptions = {}): ProgressBar {
  return new ProgressBar(total, options);
}
