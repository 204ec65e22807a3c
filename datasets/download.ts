/**
 * Used by lessons 04–08; by the commands.
 *
 * Reading data files: gunzip, SHA-256 checks, and checked downloads that never
 * leave a partial file behind.
 *
 * @module
 */
import { sha256, writeFileAtomic } from "../contract/files.ts";

/**
 * Decompresses gzip data with the platform's DecompressionStream.
 *
 * @example
 * ```ts
 * import { gunzip } from "@course/datasets";
 * const bytes = await gunzip(await Deno.readFile("datasets/data/sklearn_digits_8x8.csv.gz"), "digits");
 * ```
 */
export async function gunzip(data: Uint8Array, name: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
      new DecompressionStream("gzip"),
    );
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    throw new Error(
      `Cannot read ${name} as it is not a complete gzip file (${(error as Error).message}); ` +
        `delete it and get it again`,
    );
  }
}

/**
 * Fails unless bytes have the expected SHA-256.
 *
 * @example
 * ```ts
 * import { verify } from "@course/datasets";
 * await verify(new Uint8Array(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "empty");
 * ```
 */
export async function verify(data: Uint8Array, expected: string, name: string): Promise<void> {
  const actual = await sha256(data);
  if (actual !== expected) {
    throw new Error(
      `Cannot use ${name} as its SHA-256 must be ${expected}: current value is ${actual}; ` +
        `the file is damaged or not the published one: delete it and get it again`,
    );
  }
}

/**
 * Downloads a gzip file, checks the SHA-256 of its decompressed content, and only then stores the
 * compressed file at `path` (written to a temporary file and renamed): a failed or wrong download
 * leaves nothing behind. Returns the decompressed bytes.
 *
 * @example
 * ```ts
 * import { downloadChecked } from "@course/datasets";
 * // const bytes = await downloadChecked(url, "/tmp/cache/x.gz", "ba7816bf…");
 * ```
 */
export async function downloadChecked(url: string, path: string, sha: string): Promise<Uint8Array> {
  const response = await fetch(url).catch((error) => {
    throw new Error(
      `Cannot download ${url} (${(error as Error).message}): check the network connection`,
    );
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(
      `Cannot download ${url} as the server answered ${response.status} ${response.statusText}`,
    );
  }
  const compressed = new Uint8Array(await response.arrayBuffer());
  const bytes = await gunzip(compressed, url);
  await verify(bytes, sha, url);
  await writeFileAtomic(path, compressed);
  return bytes;
}
