/**
 * Used by `deno task collect`.
 *
 * Collecting a class's work from its hub, as nbgrader's `collect` does from its exchange: each
 * attendee's lesson notebooks, copied from their home into the submissions layout that
 * `deno task grade` reads (one folder per attendee). The originals are only read.
 *
 * @module
 */
import { join, relative, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { writeFileAtomic } from "../../contract/files.ts";
import { MAX_NOTEBOOK_BYTES } from "../jupyter/notebook.ts";
import { readUntrusted, UntrustedFileError } from "../machine/untrusted.ts";
import { type HubLayout, hubLayout, type HubSettings } from "./config.ts";
import { LESSONS_FOLDER } from "./homes.ts";

/** What was collected of one attendee. */
export interface Collected {
  attendee: string;
  /** The lessons copied, by file name. */
  notebooks: string[];
  /** Why lessons were left out, each once (`Cannot read '…/01.ipynb' as it is a FIFO`). */
  skipped: string[];
}

/** Every user the hub knows (who has logged in, or was allowed in test mode), by name. */
function hubUsers(layout: HubLayout): string[] {
  const db = new DatabaseSync(layout.database, { readOnly: true });
  try {
    const rows = db.prepare("SELECT name FROM users ORDER BY name").all();
    return rows.map((row) => String(row.name));
  } finally {
    db.close();
  }
}

/** A user's home: the test homes in test mode, else the system account's. */
async function homeOf(
  layout: HubLayout,
  settings: HubSettings,
  user: string,
): Promise<string | undefined> {
  if (settings.accounts === "test") return join(layout.homes, user);
  const { success, stdout } = await new Deno.Command("getent", { args: ["passwd", user] })
    .output();
  return success ? new TextDecoder().decode(stdout).trim().split(":")[5] : undefined;
}

/** Reads the settings `deno task hub` left in a state folder, or says what the folder is not. */
async function hubSettings(layout: HubLayout): Promise<HubSettings> {
  try {
    return JSON.parse(await Deno.readTextFile(layout.settings)) as HubSettings;
  } catch {
    throw new Error(
      `Cannot collect from '${layout.state}' as it is not a hub's state folder (it has no ` +
        `${relative(layout.state, layout.settings)}): give the --state folder of 'deno task hub'`,
    );
  }
}

/**
 * One attendee's lessons into `into`: regular files only, read without following a link on any
 * part of the path below their home, so neither a classmate's files nor the course's are taken.
 */
async function collectOne(home: string, lessons: string[], into: string) {
  const notebooks: string[] = [], skipped = new Set<string>();
  for (const name of lessons) {
    let bytes: Uint8Array | undefined;
    try {
      bytes = readUntrusted(home, [LESSONS_FOLDER, name], MAX_NOTEBOOK_BYTES);
    } catch (error) {
      if (!(error instanceof UntrustedFileError)) throw error;
      skipped.add(error.message);
    }
    if (!bytes) continue;
    await writeFileAtomic(join(into, name), bytes);
    notebooks.push(name);
  }
  return { notebooks, skipped: [...skipped] };
}

/**
 * Copies every hub user's lesson notebooks into `out/<attendee>/`.
 *
 * @example
 * ```ts
 * import { collectFromHub } from "./collect.ts";
 * const collected = await collectFromHub("/srv/course-hub", "submissions");
 * collected.filter((c) => c.notebooks.length === 0).map((c) => c.attendee); // nothing from them
 * ```
 */
export async function collectFromHub(state: string, out: string): Promise<Collected[]> {
  const layout = hubLayout(state);
  const settings = await hubSettings(layout);
  if (!relative(resolve(state), resolve(out)).startsWith("..")) {
    throw new Error(
      `Cannot collect into '${out}' as it lies inside the hub's state folder: choose another --out`,
    );
  }
  const lessons = [...Deno.readDirSync(layout.release)].map((e) => e.name)
    .filter((n) => n.endsWith(".ipynb")).sort();
  await Deno.mkdir(out, { recursive: true, mode: 0o700 });
  await Deno.chmod(out, 0o700);
  const collected: Collected[] = [];
  for (const attendee of hubUsers(layout)) {
    const home = await homeOf(layout, settings, attendee);
    const found = home
      ? await collectOne(home, lessons, join(out, attendee))
      : { notebooks: [], skipped: ["no home folder on this machine"] };
    collected.push({ attendee, ...found });
  }
  return collected;
}
