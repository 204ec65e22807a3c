import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "@course/lib": fileURLToPath(new URL("./lib/mod.ts", import.meta.url)),
      "@course/datasets": fileURLToPath(new URL("./datasets/mod.ts", import.meta.url)),
    },
  },
  test: {
    include: ["tests/**/*.test.ts"],
    // Notebook tests start Jupyter servers and kernels: one file at a time on a 2-core machine.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    passWithNoTests: false,
    // @jupyterlab/services logs each websocket it opens.
    onConsoleLog: (log) => !log.startsWith("Starting WebSocket"),
  },
});
