import { expect, test } from "vitest";
import { progressText } from "../../lib/display/progress.ts";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { DENO } from "../helpers.ts";

test("the progress line: label, bar, percentage, counts, elapsed and remaining time, info", () => {
  expect(progressText("epoch 1", 5, 10, 3)).toBe(
    "epoch 1 ████████████░░░░░░░░░░░░  50% 5/10 [00:03<00:03]",
  );
  expect(progressText("", 10, 10, 75, "loss 0.1")).toBe(
    `${"█".repeat(24)} 100% 10/10 [01:15<00:00] loss 0.1`,
  );
  expect(progressText("", 0, 0, 0)).toBe(`${"█".repeat(24)} 100% 0/0 [00:00<00:00]`);
});

test("in a log (stderr not a terminal) the bar prints its first step, then one line per tenth", async () => {
  const script = `import { progressBar } from "@course/lib";
const bar = progressBar(50, { label: "work", intervalMs: 0 });
for (let i = 1; i <= 50; i++) await bar.update(i);`;
  const { code, stderr } = await new Deno.Command(DENO, {
    args: ["eval", script],
    cwd: PROJECT_ROOT,
    env: { NO_COLOR: "1" },
  }).output();
  expect(code).toBe(0);
  const lines = new TextDecoder().decode(stderr).trim().split("\n");
  expect(lines.length).toBe(11);
  expect(lines[0]).toMatch(/^work ░{24} {3}2% 1\/50 /);
  expect(lines.at(-1)).toMatch(/^work █{24} 100% 50\/50 \[00:00<00:00\]$/);
});
