/**
 * What each attendee's server runs first on a hub started by `deno task hub`, as the attendee:
 * the released lessons into `~/deep-learning` where missing, and the folder linked to the course
 * library. Then the hub's own single-user server starts, even where the folder could not be
 * linked (the attendee's own `deno.json` in the way): the reason is in the server's log.
 *
 * ```
 * deno run -A kernel/hub/first_start.ts <released lessons> <lessons folder>
 * ```
 *
 * @module
 */
import { runCommand } from "../../contract/command_line.ts";
import { seedLessons } from "./homes.ts";
import { linkFolder } from "../folder/link.ts";

if (import.meta.main) {
  await runCommand(async ([release, folder]) => {
    const copied = await seedLessons(release, folder);
    const linked = await linkFolder(folder).then(
      (lines) => lines.join("; "),
      (error: Error) => error.message,
    );
    console.log(`${folder}: ${copied.length} released lessons copied in; ${linked}`);
  });
}
