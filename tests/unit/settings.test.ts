import { afterEach, expect, test, vi } from "vitest";
import { report, settings } from "@course/lib";
import { settingName } from "../../contract/settings.ts";

afterEach(() => {
  Deno.env.delete("COURSE_SETTING");
  vi.restoreAllMocks();
});

test("the full setting by default, quick or smoke by COURSE_SETTING, said in one line", () => {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  const choices = { smoke: { epochs: 1 }, quick: { epochs: 2 }, full: { epochs: 30 } };
  expect(settingName()).toBe("full");
  expect(settings(choices)).toEqual({ epochs: 30 });
  Deno.env.set("COURSE_SETTING", "quick");
  expect(settings(choices)).toEqual({ epochs: 2 });
  expect(log.mock.calls.at(-1)![0]).toBe(
    'setting: quick {"epochs":2} (COURSE_SETTING=smoke|quick|full)',
  );
  Deno.env.set("COURSE_SETTING", " Smoke ");
  expect(settings(choices)).toEqual({ epochs: 1 });
  Deno.env.set("COURSE_SETTING", "fast");
  expect(() => settingName()).toThrow(
    'COURSE_SETTING must be one of smoke, quick, full: current value is "fast"',
  );
});

test("a report outside Jupyter is one line of text", async () => {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await report("XOR accuracy", 1, "100%");
  expect(log).toHaveBeenCalledWith("XOR accuracy: 100%");
});
