/**
 * Used by `deno task course`, `deno task doctor`, `deno task setup` and `deno task test`.
 *
 * Installing what the course needs and is missing: the system packages through `sudo apt-get` on
 * Debian and Ubuntu (elsewhere, one message saying what to install), the data that no package
 * provides, and the course kernel.
 *
 * @module
 */
import { onPath } from "../../contract/files.ts";
import { installKernel } from "../jupyter/kernelspec.ts";
import { type Need, type Requirement, requirements } from "./requirements.ts";

/** How this machine installs system packages: `apt-get`, with `sudo` unless run as root. */
export interface Installer {
  apt: boolean;
  /** The command prefix that makes root: `[]` for root, `["sudo"]`, or `undefined` if none. */
  asRoot?: string[];
}

/**
 * Whether an `/etc/os-release` describes Debian or a system built on it (Ubuntu, Mint, WSL's).
 *
 * @example
 * ```ts
 * import { debianLike } from "./packages.ts";
 * debianLike('ID=ubuntu\nID_LIKE=debian\n'); // true
 * debianLike('ID=fedora\n'); // false
 * ```
 */
export function debianLike(osRelease: string): boolean {
  return /^(ID|ID_LIKE)="?[^"\n]*\b(debian|ubuntu)\b/m.test(osRelease);
}

/**
 * This machine's installer: `apt-get` on Debian and Ubuntu, with `sudo` unless run as root.
 *
 * @example
 * ```ts
 * import { installer } from "./packages.ts";
 * await installer(); // { apt: true, asRoot: ["sudo"] } for a user on Ubuntu
 * ```
 */
export async function installer(): Promise<Installer> {
  const release = await Deno.readTextFile("/etc/os-release").catch(() => "");
  const apt = debianLike(release) && onPath("apt-get") !== undefined;
  const asRoot = Deno.uid() === 0 ? [] : onPath("sudo") ? ["sudo"] : undefined;
  return { apt, asRoot };
}

/**
 * What the set-up needs of each missing requirement: the packages for `apt-get`, or, where there is
 * no `apt-get`, the one message that says what to install. Requirements the set-up provides
 * itself (a download) are in neither.
 *
 * @example
 * ```ts
 * import { plan } from "./packages.ts";
 * plan([{ name: "bubblewrap", need: "grading", packages: ["bubblewrap"], fix: "install it",
 *   check: async () => ({ ok: false, detail: "" }) }], { apt: true, asRoot: ["sudo"] });
 * // { packages: ["bubblewrap"] }
 * ```
 */
export function plan(
  missing: Requirement[],
  system: Installer,
): { packages: string[]; message?: string } {
  const byPackage = missing.filter((r) => r.packages && system.apt);
  const packages = [...new Set(byPackage.flatMap((r) => r.packages!))];
  // What is optional and has no package here is the doctor's to mention, not a reason to stop.
  const byHand = missing.filter((r) => !byPackage.includes(r) && !r.provide && !r.optional);
  if (byHand.length === 0) return { packages };
  const fixes = [...new Set(byHand.map((r) => r.fix))];
  const names = byHand.map((r) => r.name).join(", ");
  return {
    packages,
    message: `Cannot set up the course as ${names} ${byHand.length > 1 ? "are" : "is"} missing: ` +
      `${fixes.join("; ")}; then run this again`,
  };
}

/** Installs Debian packages, showing apt-get's output; `sudo` may ask for a password. */
async function aptInstall(packages: string[], asRoot: string[] | undefined): Promise<void> {
  const install = `apt-get install ${packages.join(" ")}`;
  if (!asRoot) {
    throw new Error(`Cannot install system packages as this needs root: run '${install}' as root`);
  }
  console.log(`installing with ${[...asRoot, install].join(" ")}`);
  for (
    const args of [
      ["apt-get", "update", "-qq"],
      [
        "DEBIAN_FRONTEND=noninteractive",
        "apt-get",
        "install",
        "-y",
        "-qq",
        "--no-install-recommends",
        ...packages,
      ],
    ]
  ) {
    const argv = asRoot.length ? [...asRoot, ...args] : ["env", ...args];
    const { success } = await new Deno.Command(argv[0], { args: argv.slice(1), stdin: "inherit" })
      .spawn().status;
    if (!success) {
      throw new Error(`Cannot install ${packages.join(" ")} as '${argv.join(" ")}' failed`);
    }
  }
}

/**
 * Installs what `needs` require and is missing, then the course kernel.
 *
 * @example
 * ```ts
 * import { setUp } from "./packages.ts";
 * await setUp(["course", "grading"]);
 * ```
 */
export async function setUp(needs: Need[]): Promise<void> {
  const system = await installer();
  // Grading's sandbox needs Linux: elsewhere the course runs without it.
  const wanted = requirements().filter((r) =>
    (r.packages || r.provide) && needs.includes(r.need) &&
    (r.need !== "grading" || Deno.build.os === "linux")
  );
  const checks = await Promise.all(wanted.map((r) => r.check()));
  const missing = wanted.filter((_, i) => !checks[i].ok);
  const { packages, message } = plan(missing, system);
  if (message) throw new Error(message);
  if (packages.length) await aptInstall(packages, system.asRoot);
  const notInstalled = missing.filter((r) => !r.packages?.some((p) => packages.includes(p)));
  for (const r of notInstalled.filter((r) => r.optional && !r.provide)) {
    console.log(`${r.name}: not installed (optional): ${r.fix}`);
  }
  for (const r of notInstalled.filter((r) => r.provide)) {
    console.log(`${r.name}: ${r.fix}`);
    await r.provide!();
  }
  await installKernel();
}
