/**
 * Used by `deno task grade` and `deno task run`.
 *
 * A cell's outputs as a run keeps them: built from the kernel's IOPub messages as a notebook front
 * end builds them, and no more of them than a budget allows, whatever a kernel sends.
 *
 * @module
 */
import type { MimeData, Output } from "./notebook.ts";

/** A kernel message on the IOPub channel, as far as outputs need it. */
export interface IopubMessage {
  header: { msg_type: string };
  content: object;
}

/** Outputs shown with a display id, by id: an update replaces them wherever they are. */
export type DisplayIndex = Map<string, Output[]>;

/**
 * How much of a run's outputs is kept, in characters: per cell and for the whole notebook. Every
 * kind of output counts (streams, displays, results, updates of a display); what would pass a
 * limit is left out, with one line in the cell saying so, so that a kernel that floods its front
 * end costs the runner no more memory than this. The lessons' largest cell holds 2.2 MiB, a whole
 * executed lesson at most 4.3 MiB.
 */
export class OutputBudget {
  /** Characters the notebook's outputs hold now. */
  used = 0;

  constructor(readonly cell = 8 * 2 ** 20, readonly notebook = 32 * 2 ** 20) {}
}

/** The longest error name, message or traceback line kept. */
const ERROR_CHARS = 4000;
/** The most traceback lines kept. */
const TRACEBACK_LINES = 100;

/** What each output costs, in characters of its JSON and a fixed charge: as kept in the file. */
const OUTPUT_CHARGE = 100;
function sizeOf(output: Output): number {
  return JSON.stringify(output).length + OUTPUT_CHARGE;
}

const MIB = (chars: number) => chars >= 2 ** 20 ? `${chars / 2 ** 20} MiB` : `${chars} characters`;

/** Which cell's outputs an output is (a display's update may come from a later cell), and its cost. */
const owners = new WeakMap<Output, { area: OutputArea; chars: number }>();

/**
 * The outputs of one cell, built from its IOPub messages as a notebook front end would: streams
 * merged, `clear_output` honoured (also with `wait`), displays updated in place by their id, and
 * no more kept than the run's {@linkcode OutputBudget} allows.
 */
export class OutputArea {
  readonly outputs: Output[] = [];
  executionCount: number | null = null;
  private clearOnNext = false;
  /** Characters this cell's outputs hold. */
  private used = 0;
  private cut = false;
  private errors = 0;

  constructor(
    private readonly displays: DisplayIndex,
    private readonly budget = new OutputBudget(),
  ) {}

  /** Applies one IOPub message; returns whether it changed the outputs. */
  add(msg: IopubMessage): boolean {
    const c = msg.content as Record<string, unknown>;
    const type = msg.header.msg_type;
    if (type === "execute_input") {
      this.executionCount = (c.execution_count as number) ?? null;
      return false;
    }
    if (type === "clear_output") {
      if (c.wait) this.clearOnNext = true;
      else this.clear();
      return true;
    }
    if (type === "update_display_data") return this.update(c);
    const output = toOutput(type, c);
    if (!output) return false;
    if (this.clearOnNext) {
      this.clear();
      this.clearOnNext = false;
    }
    // A cell's first error is kept whatever the limits: it says what went wrong.
    const kept = output.output_type === "error" && this.errors++ === 0;
    const last = this.outputs.at(-1);
    const merges = output.output_type === "stream" && last?.output_type === "stream" &&
      last.name === output.name;
    const size = merges ? output.text.length : sizeOf(output);
    if (!kept && (this.cut || !this.fits(this, size))) return this.leaveOut(this.why(this, size));
    if (merges) {
      last.text += output.text;
      this.spend(last, size);
      return true;
    }
    this.outputs.push(output);
    owners.set(output, { area: this, chars: 0 });
    this.spend(output, size);
    const id = (c.transient as { display_id?: string } | undefined)?.display_id;
    if (id && output.output_type === "display_data") {
      const shown = this.displays.get(id) ?? [];
      shown.push(output);
      this.displays.set(id, shown);
    }
    return true;
  }

  /**
   * Replaces every output shown with the message's display id, if the new data fits where each
   * is; the cell the update comes from says when it does not.
   */
  private update(c: Record<string, unknown>): boolean {
    const id = (c.transient as { display_id?: string } | undefined)?.display_id;
    const shown = (id && this.displays.get(id)) || [];
    const data = c.data as MimeData;
    const metadata = (c.metadata as Record<string, unknown>) ?? {};
    const growth = (out: Output) =>
      sizeOf({ output_type: "display_data", data, metadata }) - owners.get(out)!.chars;
    const total = shown.reduce((sum, out) => sum + growth(out), 0);
    const full = shown.find((out) => !this.fits(owners.get(out)!.area, growth(out)));
    if (this.budget.used + total > this.budget.notebook) return this.leaveOut("notebook");
    if (this.cut || full) return this.leaveOut(full ? "updated cell" : "cell");
    for (const out of shown) {
      const size = growth(out);
      Object.assign(out, { data, metadata });
      owners.get(out)!.area.spend(out, size);
    }
    return true;
  }

  /** Which limit `chars` more in `area` would pass. */
  private why(area: OutputArea, chars: number): "cell" | "notebook" {
    return area.used + chars > this.budget.cell ? "cell" : "notebook";
  }

  /** Whether `chars` more fit in `area`'s cell and in the notebook. */
  private fits(area: OutputArea, chars: number): boolean {
    return area.used + chars <= this.budget.cell &&
      this.budget.used + chars <= this.budget.notebook;
  }

  private spend(output: Output, chars: number): void {
    this.used += chars;
    this.budget.used += chars;
    owners.get(output)!.chars += chars;
  }

  /** Empties the cell: its outputs' share comes back, and no update reaches them any more. */
  private clear(): void {
    this.budget.used -= this.used;
    this.used = 0;
    for (const [id, shown] of this.displays) {
      const others = shown.filter((out) => owners.get(out)?.area !== this);
      if (others.length) this.displays.set(id, others);
      else this.displays.delete(id);
    }
    this.outputs.length = 0;
    this.cut = false;
    this.errors = 0;
  }

  /**
   * Adds a line from the runner to the cell's outputs, in brackets, whatever the limits.
   *
   * @example
   * ```ts
   * import { OutputArea } from "./outputs.ts";
   * new OutputArea(new Map()).note("2 kernel messages could not be read");
   * ```
   */
  note(text: string): void {
    this.outputs.push({ output_type: "stream", name: "stderr", text: `[${text}]\n` });
  }

  /**
   * Drops an output that would pass the `limit`, and every output after it in this cell; the
   * first time, says so in the cell.
   */
  private leaveOut(limit: "cell" | "updated cell" | "notebook"): boolean {
    if (this.cut) return false;
    this.cut = true;
    const which = limit === "notebook"
      ? `the notebook's outputs reached ${MIB(this.budget.notebook)}`
      : `${limit === "cell" ? "this cell's" : "the updated cell's"} outputs reached ${
        MIB(this.budget.cell)
      }`;
    this.note(`outputs left out from here: ${which}, the most a run keeps`);
    return true;
  }
}

function toOutput(type: string, c: Record<string, unknown>): Output | undefined {
  const data = c.data as MimeData;
  const metadata = (c.metadata as Record<string, unknown>) ?? {};
  switch (type) {
    case "stream":
      return { output_type: "stream", name: c.name as "stdout" | "stderr", text: c.text as string };
    case "display_data":
      return { output_type: "display_data", data, metadata };
    case "execute_result":
      return {
        output_type: "execute_result",
        data,
        metadata,
        execution_count: (c.execution_count as number) ?? null,
      };
    case "error":
      // An error is always kept (it names what went wrong), but no longer than this.
      return {
        output_type: "error",
        ename: String(c.ename).slice(0, ERROR_CHARS),
        evalue: String(c.evalue).slice(0, ERROR_CHARS),
        traceback: ((c.traceback as string[]) ?? []).slice(0, TRACEBACK_LINES)
          .map((line) => String(line).slice(0, ERROR_CHARS)),
      };
  }
  return undefined;
}
