import { afterAll, beforeAll, expect, test } from "vitest";
import { join } from "node:path";
import { readUntrusted } from "../../kernel/machine/untrusted.ts";

let home: string;
const text = (bytes: Uint8Array | undefined) => bytes && new TextDecoder().decode(bytes);

beforeAll(async () => {
  home = await Deno.makeTempDir({ prefix: "dl-course-untrusted-" });
  const secret = join(home, "..", `${home.split("/").at(-1)}-secret`);
  await Deno.writeTextFile(secret, "the instructor's");
  await Deno.chmod(secret, 0o600);
  const lessons = join(home, "deep-learning");
  await Deno.mkdir(lessons);
  await Deno.writeTextFile(join(lessons, "01.ipynb"), "{}");
  await Deno.symlink(secret, join(lessons, "link.ipynb"));
  await Deno.symlink(lessons, join(home, "linked"));
  await Deno.mkdir(join(lessons, "folder.ipynb"));
  await Deno.writeTextFile(join(home, "other"), "{}");
  await Deno.link(join(home, "other"), join(home, "hard.ipynb"));
  await new Deno.Command("mkfifo", { args: [join(lessons, "fifo.ipynb")] }).output();
});

afterAll(async () => {
  await Deno.remove(home, { recursive: true });
  await Deno.remove(`${home}-secret`);
});

test("a regular file is read; a missing one is undefined", () => {
  expect(text(readUntrusted(home, ["deep-learning", "01.ipynb"], 100))).toBe("{}");
  expect(readUntrusted(home, ["deep-learning", "02.ipynb"], 100)).toBeUndefined();
  expect(readUntrusted(home, ["nowhere", "01.ipynb"], 100)).toBeUndefined();
});

test.each([
  [
    ["deep-learning", "link.ipynb"],
    "link.ipynb' as it is a symbolic link, which is never followed",
  ],
  [["linked", "01.ipynb"], "linked' as it is a symbolic link, which is never followed"],
  [["deep-learning", "fifo.ipynb"], "fifo.ipynb' as it is a FIFO"],
  [["deep-learning", "folder.ipynb"], "folder.ipynb' as it is a folder"],
  [["hard.ipynb"], "hard.ipynb' as it has other names (hard links)"],
  [["..", "x"], "as each part of it must be a name: current part is '..'"],
])("%j is refused, in one line that names it", (parts, why) => {
  const started = performance.now();
  expect(() => readUntrusted(home, parts, 100)).toThrow(why);
  expect(performance.now() - started).toBeLessThan(1000); // a FIFO does not block
});

test("a file larger than the cap is refused", () => {
  expect(() => readUntrusted(home, ["deep-learning", "01.ipynb"], 1)).toThrow(
    "01.ipynb' as it is larger than",
  );
});
