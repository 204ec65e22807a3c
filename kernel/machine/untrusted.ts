/**
 * Used by `deno task collect` and `deno task grade`.
 *
 * Reading files an attendee controls, as a grader that may run as root must: no symbolic link is
 * followed on any part of the path, nothing but a regular file is opened (a FIFO would block the
 * reader for ever, a device would never end), a file with other names (hard links) is refused, and
 * no more than a cap is read. Each part of the path is opened with `openat(…, O_NOFOLLOW)` from the
 * folder before it, through libc (Deno's own `open` follows links), so an attendee who swaps a
 * folder for a link while it is read gains nothing: the path cannot leave the folder it starts in.
 *
 * Linux only, as the sandbox is.
 *
 * @module
 */

/** Why an attendee's file was not read, in one line that names it. */
export class UntrustedFileError extends Error {}

/** `open(2)` flags that differ between Linux's architectures. */
const FLAGS = Deno.build.arch === "aarch64"
  ? { directory: 0o40000, noFollow: 0o100000 }
  : { directory: 0o200000, noFollow: 0o400000 };
const O_RDONLY = 0, O_NOCTTY = 0o400, O_NONBLOCK = 0o4000, O_CLOEXEC = 0o2000000;
const O_PATH = 0o10000000;
const ELOOP = 40, ENOTDIR = 20, ENOENT = 2, ENXIO = 6;

let libc: ReturnType<typeof openLibc> | undefined;
function openLibc() {
  return Deno.dlopen("libc.so.6", {
    openat: { parameters: ["i32", "buffer", "i32", "u32"], result: "i32" },
    read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
    close: { parameters: ["i32"], result: "i32" },
    statx: { parameters: ["i32", "buffer", "i32", "u32", "buffer"], result: "i32" },
    __errno_location: { parameters: [], result: "pointer" },
  }).symbols;
}

/** The calling thread's `errno`. */
function errno(): number {
  const at = libc!.__errno_location();
  return at ? new Deno.UnsafePointerView(at).getInt32() : 0;
}

const AT_FDCWD = -100;
const AT_EMPTY_PATH = 0x1000, AT_SYMLINK_NOFOLLOW = 0x100;
const STATX_BASIC = 0x7ff;
const S_IFMT = 0o170000;
const TYPES: Record<number, string> = {
  0o100000: "file",
  0o040000: "folder",
  0o120000: "link",
  0o010000: "FIFO",
  0o140000: "socket",
  0o020000: "device",
  0o060000: "device",
};

/**
 * What the descriptor `fd` holds, whatever a path names by now (`statx` on the descriptor itself,
 * whose layout is the same on every architecture).
 */
function described(fd: number): { type: string; uid: number; links: number } {
  const buffer = new Uint8Array(256);
  const flags = AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW;
  if (libc!.statx(fd, cString(""), flags, STATX_BASIC, buffer) !== 0) {
    throw new UntrustedFileError(`Cannot tell what a file is: statx failed with error ${errno()}`);
  }
  const view = new DataView(buffer.buffer);
  const mode = view.getUint16(28, true);
  return {
    type: TYPES[mode & S_IFMT] ?? "unknown",
    uid: view.getUint32(20, true),
    links: view.getUint32(16, true),
  };
}
const cString = (text: string) => new TextEncoder().encode(text + "\0");

/** Opens `name` in the folder `dir` (a descriptor) without following a link; -errno on failure. */
function openIn(dir: number, name: string, flags: number): number {
  const fd = libc!.openat(dir, cString(name), flags | FLAGS.noFollow | O_CLOEXEC | O_NOCTTY, 0);
  return fd >= 0 ? fd : -errno();
}

/** Reads what `fd` holds, at most `maxBytes`; more is refused. */
function readAll(fd: number, maxBytes: number, shown: string): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const chunk = new Uint8Array(Math.min(1 << 20, maxBytes + 1 - total) || 1);
    const n = Number(libc!.read(fd, chunk, BigInt(chunk.length)));
    if (n < 0) throw new UntrustedFileError(`Cannot read '${shown}': error ${errno()}`);
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
    total += n;
    if (total > maxBytes) {
      throw new UntrustedFileError(
        `Cannot read '${shown}' as it is larger than ${maxBytes / 2 ** 20} MiB`,
      );
    }
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) bytes.set(c, (at += c.length) - c.length);
  return bytes;
}

function isLink(path: string): boolean {
  try {
    return Deno.lstatSync(path).isSymlink;
  } catch {
    return false;
  }
}

/** What is wrong with the thing at `shown`, from the errno of opening it. */
function refusal(shown: string, error: number): UntrustedFileError {
  // A link opened as a folder fails with ENOTDIR: lstat, which follows nothing, tells which.
  const link = error === ELOOP || isLink(shown);
  const why = link
    ? "is a symbolic link, which is never followed"
    : error === ENOTDIR
    ? "is not a folder"
    : error === ENXIO
    ? "is not a regular file (a socket)"
    : `cannot be opened (error ${error})`;
  return new UntrustedFileError(`Cannot read '${shown}' as it ${why}`);
}

/**
 * Opens each folder of `parts` in turn from `fd`; -1 where one does not exist. Closes what it
 * opened if one fails.
 */
function openFolders(fd: number, base: string, parts: string[]): number {
  let dir = fd;
  for (const [i, part] of parts.entries()) {
    const next = openIn(dir, part, O_RDONLY | FLAGS.directory);
    if (dir !== fd) libc!.close(dir);
    if (next === -ENOENT) return -1;
    if (next < 0) throw refusal([base, ...parts.slice(0, i + 1)].join("/"), -next);
    dir = next;
  }
  return dir;
}

/**
 * The bytes of the regular file `base/parts…`, read without following a link on any part after
 * `base` (which is the caller's: the attendee's home, the submissions folder); `undefined` where
 * it does not exist. Throws {@linkcode UntrustedFileError}, naming the path and what it is, for a
 * link, a FIFO, a device, a socket, a folder, a file with hard links or one larger than `maxBytes`.
 *
 * @example
 * ```ts
 * import { readUntrusted } from "./untrusted.ts";
 * const home = Deno.env.get("HOME")!;
 * const bytes = readUntrusted(home, ["deep-learning", "01_mcculloch_pitts.ipynb"], 2 ** 26);
 * ```
 */
export function readUntrusted(
  base: string,
  parts: string[],
  maxBytes: number,
): Uint8Array | undefined {
  const bad = parts.find((p) => p === "" || p === "." || p === ".." || p.includes("/"));
  if (bad !== undefined) {
    throw new UntrustedFileError(
      `Cannot read '${
        parts.join("/")
      }' as each part of it must be a name: current part is '${bad}'`,
    );
  }
  libc ??= openLibc();
  const root = libc.openat(AT_FDCWD, cString(base), O_RDONLY | FLAGS.directory | O_CLOEXEC, 0);
  if (root < 0) {
    const error = errno();
    if (error === ENOENT) return undefined;
    throw refusal(base, error);
  }
  const shown = [base, ...parts].join("/");
  let dir = root, file = -1;
  try {
    dir = openFolders(root, base, parts.slice(0, -1));
    if (dir < 0) return undefined;
    file = openIn(dir, parts.at(-1)!, O_RDONLY | O_NONBLOCK);
    if (file === -ENOENT) return undefined;
    if (file < 0) throw refusal(shown, -file);
    const info = described(file);
    if (info.type !== "file") {
      const what = info.type === "folder" || info.type === "FIFO"
        ? `a ${info.type}`
        : "not a regular file";
      throw new UntrustedFileError(`Cannot read '${shown}' as it is ${what}`);
    }
    if (info.links > 1) {
      throw new UntrustedFileError(
        `Cannot read '${shown}' as it has other names (hard links), which may be others' files`,
      );
    }
    return readAll(file, maxBytes, shown);
  } finally {
    for (const fd of new Set([file, dir, root])) if (fd >= 0) libc.close(fd);
  }
}

/**
 * Connects to the Unix socket `name` in the folder `dir` without following a link there: where
 * sandboxed code may replace the socket (its folder is theirs), a link to another socket (Docker's,
 * munge's) must not become the grader's connection. The socket must be owned by `uid`.
 *
 * @example
 * ```ts
 * import { connectUntrusted } from "./untrusted.ts";
 * const conn = await connectUntrusted("/tmp/server", "jupyter.sock", Deno.uid()!);
 * conn.close();
 * ```
 */
export async function connectUntrusted(
  dir: string,
  name: string,
  uid: number,
): Promise<Deno.UnixConn> {
  libc ??= openLibc();
  const folder = libc.openat(AT_FDCWD, cString(dir), O_RDONLY | FLAGS.directory | O_CLOEXEC, 0);
  if (folder < 0) throw refusal(dir, errno());
  const fd = openIn(folder, name, O_PATH);
  libc.close(folder);
  const shown = `${dir}/${name}`;
  if (fd < 0) throw refusal(shown, -fd);
  try {
    // O_PATH with O_NOFOLLOW opens a link itself, not its target: the descriptor says which.
    const info = described(fd);
    if (info.type !== "socket" || info.uid !== uid) {
      throw new UntrustedFileError(
        `Cannot connect to '${shown}' as it is not the sandbox's socket`,
      );
    }
    return await Deno.connect({ transport: "unix", path: `/proc/self/fd/${fd}` });
  } finally {
    libc.close(fd);
  }
}
