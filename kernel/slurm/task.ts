/**
 * One task of `deno task grade --slurm`'s job array, run by Slurm on a node: grades the attendee
 * notebook that `SLURM_ARRAY_TASK_ID` names in the job file, exactly as a local run grades it, and
 * leaves the grade beside the job file.
 *
 * ```
 * deno run -A kernel/slurm/task.ts <grades>/slurm/job.json
 * ```
 *
 * @module
 */
import { dirname } from "node:path";
import { jupyterCommand } from "../../contract/command_line.ts";
import { writeFileAtomic } from "../../contract/files.ts";
import { gradeNotebook } from "../exercises/autograde.ts";
import { type JobFile, resultFile } from "./jobs.ts";

async function main([jobFile]: string[]): Promise<number> {
  const job = JSON.parse(await Deno.readTextFile(jobFile)) as JobFile;
  const index = Number(Deno.env.get("SLURM_ARRAY_TASK_ID"));
  const task = job.tasks[index];
  if (!task) {
    throw new Error(
      `Cannot grade as SLURM_ARRAY_TASK_ID must name one of the job's ${job.tasks.length} ` +
        `notebooks: current value is ${Deno.env.get("SLURM_ARRAY_TASK_ID")}`,
    );
  }
  // The kernel's threads: the cores Slurm gave this task, not all of the node's.
  const cpus = Deno.env.get("SLURM_CPUS_PER_TASK");
  const env = { ...(cpus ? { COURSE_THREADS: cpus } : {}), ...job.options.env };
  const options = { ...job.options, env };
  const grade = await gradeNotebook(task.source, task.dir, options, job.keys[task.source]);
  await writeFileAtomic(resultFile(dirname(jobFile), index), JSON.stringify(grade));
  console.log(`${grade.attendee} ${grade.notebook}: graded`);
  return 0;
}

if (import.meta.main) await jupyterCommand(main);
