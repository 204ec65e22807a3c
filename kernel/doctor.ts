/**
 * `deno task doctor [folder]`: one line per requirement of the course, ✔ or ✘, and for each ✘ the
 * command that fixes it; with a folder, also whether its notebooks import the course (`deno task
 * new`). Exits with 1 if anything is missing that is not optional.
 *
 * @module
 */
import { commandLine, runCommand, shellWord } from "../contract/command_line.ts";
import { checkFolder } from "./folder/link.ts";
import { type Requirement, requirements } from "./machine/requirements.ts";
import { type Installer, installer } from "./machine/packages.ts";

/**
 * The command that fixes a missing requirement on this machine.
 *
 * @example
 * ```ts
 * import { fixOf } from "./doctor.ts";
 * fixOf({ name: "bubblewrap", need: "grading", packages: ["bubblewrap"], fix: "install it",
 *   check: async () => ({ ok: false, detail: "" }) }, { apt: true });
 * // "sudo apt-get install bubblewrap"
 * ```
 */
export function fixOf(requirement: Requirement, system: Installer): string {
  return requirement.packages && system.apt
    ? `sudo apt-get install ${requirement.packages.join(" ")}`
    : requirement.fix;
}

/** A course folder as a requirement: its notebooks import the course from this checkout. */
function folderRequirement(folder: string): Requirement {
  return {
    name: `folder ${folder}`,
    need: "course",
    fix: `npx deno task new ${shellWord(folder)}`,
    check: () => checkFolder(folder),
  };
}

async function main(args: string[]): Promise<number> {
  const cli = commandLine({
    name: "doctor",
    verb: "check this machine",
    usage: "[folder]",
    positionals: [0, 1],
    options: {},
  }, args);
  const system = await installer();
  const folders = cli.args.map((path) => folderRequirement(cli.folder(path)));
  let failed = 0;
  for (const requirement of [...requirements(), ...folders]) {
    const { ok, detail } = await requirement.check();
    const name = requirement.need === "course"
      ? requirement.name
      : `${requirement.name} (${requirement.need})`;
    if (!ok && !requirement.optional) failed++;
    const optional = requirement.optional ? " (optional)" : "";
    console.log(
      ok
        ? `✔ ${name}: ${detail}`
        : `✘ ${name}: ${detail} → ${fixOf(requirement, system)}${optional}`,
    );
  }
  if (failed) console.log(`${failed} missing: run the commands after → above`);
  return failed ? 1 : 0;
}

if (import.meta.main) await runCommand(main);
