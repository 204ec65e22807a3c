/// <reference lib="dom" />
/**
 * The course in a real notebook UI: Debian's classic Jupyter Notebook on 127.0.0.1 with the
 * course kernel, driven by Debian's Chromium through playwright-core. Every cell runs through the
 * UI's own "Cell → Run All"; what is asserted is read from the page. Screenshots go to
 * `out/screenshots/`.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { CHROMIUM } from "../../kernel/machine/requirements.ts";
import { DISPLAY_NAME } from "../../kernel/jupyter/kernelspec.ts";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { JupyterServer } from "../../kernel/jupyter/server.ts";
import { task } from "../helpers.ts";

/** Under the project, so that the kernel finds deno.json; ignored by git. */
const WORK = join(PROJECT_ROOT, "out", "browser");
const SHOTS = join(PROJECT_ROOT, "out", "screenshots");
const LESSONS = ["00_setup.ipynb", "06_convolutional_networks.ipynb", "09_unet_segmentation.ipynb"];
const FIXTURE = join(PROJECT_ROOT, "tests", "fixtures", "training_display.ipynb");

let server: JupyterServer;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Cannot test the notebook UI as ${CHROMIUM} does not exist: install Debian's Chromium ` +
        "('sudo apt-get install chromium'); npm test does",
    );
  }
  await Deno.remove(WORK, { recursive: true }).catch(() => {});
  await Deno.mkdir(WORK, { recursive: true });
  await Deno.mkdir(SHOTS, { recursive: true });
  // Copies: the Notebook autosaves, and the lessons are committed without outputs.
  for (const name of LESSONS) {
    await Deno.copyFile(join(PROJECT_ROOT, "notebooks", name), join(WORK, name));
  }
  await Deno.copyFile(FIXTURE, join(WORK, "training_display.ipynb"));
  server = await JupyterServer.start(WORK, { app: "notebook", env: { COURSE_SETTING: "quick" } });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Chromium's own sandbox refuses to run as root; the page is our own notebook.
    args: Deno.uid() === 0 ? ["--no-sandbox"] : [],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** What a page shows once every cell ran. */
interface Shown {
  kernel: string;
  kernelName: string;
  prompts: (number | string | null)[];
  errors: string[];
  plots: { cell: number; points: number[] }[];
  images: number;
  progress: number[];
}

declare const Jupyter: {
  notebook: {
    kernel: { name: string };
    get_cells(): { cell_type: string; input_prompt_number?: number | string | null }[];
  };
};

/** Opens a notebook in the UI, runs every cell with "Cell → Run All", and reads the page. */
async function runAll(name: string): Promise<{ page: Page; shown: Shown }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${server.address.url}/notebooks/${name}?token=${server.address.token}`);
  await page.waitForSelector("#kernel_indicator_icon.kernel_idle_icon", { timeout: 60_000 });
  await page.click("#celllink");
  await page.click("#run_all_cells > a");
  await page.waitForFunction(
    () =>
      document.querySelector(".output_error") !== null ||
      Jupyter.notebook.get_cells().filter((c) => c.cell_type === "code")
        .every((c) => typeof c.input_prompt_number === "number"),
    undefined,
    { timeout: 240_000, polling: 500 },
  );
  await page.waitForSelector("#kernel_indicator_icon.kernel_idle_icon", { timeout: 60_000 });
  // Plotly draws after its data arrives: give the last figure time to become SVG.
  await page.waitForTimeout(1000);
  const shown = await page.evaluate(() => {
    const cells = [...document.querySelectorAll("#notebook-container .cell")];
    return {
      kernel: document.querySelector(".kernel_indicator_name")?.textContent ?? "",
      kernelName: Jupyter.notebook.kernel.name,
      prompts: Jupyter.notebook.get_cells().filter((c) => c.cell_type === "code")
        .map((c) => c.input_prompt_number ?? null),
      errors: [...document.querySelectorAll(".output_error")].map((e) => e.textContent ?? ""),
      plots: [...document.querySelectorAll(".js-plotly-plot")]
        .filter((p) => p.querySelector("svg.main-svg"))
        .map((p) => ({
          cell: cells.findIndex((c) => c.contains(p)),
          points: ((p as unknown as { data: { x: unknown[] }[] }).data ?? [])
            .map((t) => t.x?.length ?? 0),
        })),
      images: [...document.querySelectorAll(".output_area img")]
        .filter((i) => (i as HTMLImageElement).src.startsWith("data:image/png")).length,
      progress: [...document.querySelectorAll(".course-progress progress")]
        .map((p) => Number((p as HTMLProgressElement).value)),
    };
  });
  return { page, shown };
}

/** The whole notebook as one image: the Notebook scrolls inside its page, so grow the window. */
async function screenshot(page: Page, name: string): Promise<void> {
  const height = await page.evaluate(() =>
    document.querySelector("#notebook-container")!.scrollHeight +
    document.querySelector("#header")!.scrollHeight + 40
  );
  await page.setViewportSize({ width: 1280, height: Math.min(height, 16_000) });
  await page.waitForTimeout(500); // plotly redraws at the new size
  await page.screenshot({ path: join(SHOTS, name.replace(".ipynb", ".png")) });
}

describe.each(LESSONS)("%s in the classic Notebook", (name) => {
  test(
    "runs every cell through the UI with the course kernel: no error, plots, images",
    async () => {
      const { page, shown } = await runAll(name);
      await screenshot(page, name);
      expect([shown.kernel, shown.kernelName]).toEqual([DISPLAY_NAME, "dl-course"]);
      expect(shown.errors).toEqual([]);
      expect(shown.prompts.every((p) => typeof p === "number")).toBe(true);
      expect(shown.plots.length).toBeGreaterThan(0);
      expect(shown.images).toBeGreaterThan(0);
      if (name !== "00_setup.ipynb") {
        expect(shown.progress.length).toBeGreaterThan(0);
        expect(shown.progress.every((p) => p === 100)).toBe(true);
      }
      await page.close();
    },
    300_000,
  );
});

test(
  "training shows one live curve, updated in place each epoch, and a full progress bar",
  async () => {
    const { page, shown } = await runAll("training_display.ipynb");
    expect(shown.errors).toEqual([]);
    // Five epochs: one figure holding five points per curve, not five figures.
    expect(shown.plots.map((p) => p.points)).toEqual([[5, 5]]);
    expect(shown.progress).toEqual([100]);
    await page.close();
  },
  120_000,
);

/** Opens a notebook without running it; returns the page once the Notebook has rendered it. */
async function open(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${server.address.url}/notebooks/${path}?token=${server.address.token}`);
  await page.waitForFunction(() =>
    /Trusted/.test(document.querySelector("#notification_trusted")?.textContent ?? "")
  );
  return page;
}

test(
  "a notebook executed by `deno task run` is signed and shows its plots when opened; unsigned, it does not",
  async () => {
    const run = await task(["run", "notebooks/00_setup.ipynb", "--out", join(WORK, "executed")]);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain("executed notebooks signed");
    const signed = join(WORK, "executed", "notebooks", "00_setup.ipynb");
    const copy = JSON.parse(await Deno.readTextFile(signed));
    copy.metadata.edited_elsewhere = true; // any change voids the signature
    await Deno.writeTextFile(join(WORK, "executed", "unsigned.ipynb"), JSON.stringify(copy));

    const trusted = await open("executed/notebooks/00_setup.ipynb");
    expect(await trusted.textContent("#notification_trusted")).toBe("Trusted");
    await trusted.waitForSelector(".js-plotly-plot svg.main-svg", { timeout: 30_000 });
    await trusted.close();

    const untrusted = await open("executed/unsigned.ipynb");
    expect(await untrusted.textContent("#notification_trusted")).toBe("Not Trusted");
    await untrusted.waitForTimeout(3000);
    expect(await untrusted.locator("svg.main-svg").count()).toBe(0);
    expect(await untrusted.locator(".output_area img").count()).toBeGreaterThan(0);
    await untrusted.close();
  },
  120_000,
);
