/**
 * One grading process of `deno task grade`: grades the attendee notebook that `index` (or, as a
 * task of a Slurm job array, `SLURM_ARRAY_TASK_ID`) names in the job file, and leaves its result
 * where the job file says. A kernel that floods it or a crash ends this process, not the grading.
 *
 * ```
 * deno run -A kernel/exercises/task.ts <grades>/tasks/job.json [index]
 * ```
 *
 * @module
 */
import { jupyterCommand } from "../../contract/command_line.ts";
import { gradeTask } from "./autograde.ts";
import type { JobFile } from "./job.ts";

async function main([jobFile, index]: string[]): Promise<number> {
  const job = JSON.parse(await Deno.readTextFile(jobFile)) as JobFile;
  const which = index ?? Deno.env.get("SLURM_ARRAY_TASK_ID");
  const task = job.tasks[Number(which)];
  if (!task) {
    throw new Error(
      `Cannot grade as the task's index must name one of the job's ${job.tasks.length} ` +
        `notebooks: current value is ${which}`,
    );
  }
  // The kernel's threads: the cores Slurm gave this task, not all of the node's.
  const cpus = Deno.env.get("SLURM_CPUS_PER_TASK");
  const env = { ...(cpus ? { COURSE_THREADS: cpus } : {}), ...job.options.env };
  await gradeTask(task, { ...job.options, env }, job.keys[task.source]);
  return 0;
}

if (import.meta.main) await jupyterCommand(main);
