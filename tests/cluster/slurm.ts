/**
 * A one-node Slurm cluster for the tests: Debian's munged, slurmctld and slurmd, configured in a
 * temporary folder, listening on free ports of 127.0.0.1, and stopped afterwards. slurmd starts
 * jobs as their submitter, so it needs root, as on a real cluster.
 */
import { join } from "node:path";
import { freePort, sleep } from "../../kernel/jupyter/server.ts";

/** A running cluster: its client environment (`SLURM_CONF`) and how to stop it. */
export interface Cluster {
  env: Record<string, string>;
  /** The node's name, as `sinfo` shows it. */
  node: string;
  stop(): Promise<void>;
}

function slurmConf(dir: string, node: string, cpus: number): string {
  return [
    "ClusterName=course-test",
    `SlurmctldHost=${node}(127.0.0.1)`,
    `SlurmctldPort=${freePort()}`,
    `SlurmdPort=${freePort()}`,
    `SlurmUser=root`,
    "AuthType=auth/munge",
    "CredType=cred/munge",
    `AuthInfo=socket=${join(dir, "run", "munge.sock")}`,
    `StateSaveLocation=${join(dir, "state")}`,
    `SlurmdSpoolDir=${join(dir, "spool")}`,
    `SlurmctldPidFile=${join(dir, "run", "slurmctld.pid")}`,
    `SlurmdPidFile=${join(dir, "run", "slurmd.pid")}`,
    `SlurmctldLogFile=${join(dir, "slurmctld.log")}`,
    `SlurmdLogFile=${join(dir, "slurmd.log")}`,
    // No cgroups: the test's machine may be a container; processes are tracked by their parents.
    "ProctrackType=proctrack/linuxproc",
    "TaskPlugin=task/none",
    "JobAcctGatherType=jobacct_gather/none",
    "MpiDefault=none",
    "SelectType=select/cons_tres",
    "SelectTypeParameters=CR_CPU",
    "ReturnToService=2",
    `NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus} State=UNKNOWN`,
    `PartitionName=course Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
    "",
  ].join("\n");
}

/**
 * Starts munged, slurmctld and slurmd, and waits until the node is idle.
 *
 * @example
 * ```ts
 * import { startCluster } from "./slurm.ts";
 * const cluster = await startCluster();
 * try { // sbatch … with cluster.env
 * } finally { await cluster.stop(); }
 * ```
 */
export async function startCluster(cpus = navigator.hardwareConcurrency): Promise<Cluster> {
  if (Deno.uid() !== 0) {
    throw new Error(
      "Cannot start a Slurm cluster as slurmd must run as root: run the tests as root",
    );
  }
  const dir = await Deno.makeTempDir({ prefix: "dl-course-slurm-" });
  for (const sub of ["run", "state", "spool"]) await Deno.mkdir(join(dir, sub));
  await Deno.chmod(dir, 0o755);
  await Deno.chmod(join(dir, "run"), 0o755);
  const key = join(dir, "munge.key");
  await Deno.writeFile(key, crypto.getRandomValues(new Uint8Array(1024)), { mode: 0o600 });
  const node = Deno.hostname().split(".")[0];
  const conf = join(dir, "slurm.conf");
  await Deno.writeTextFile(conf, slurmConf(dir, node, cpus));
  const env = { SLURM_CONF: conf };
  const children: Deno.ChildProcess[] = [];
  const start = (command: string, args: string[]) => {
    const child = new Deno.Command(command, {
      args,
      env,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    children.push(child);
  };
  const stop = async () => {
    for (const child of children.reverse()) {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
    }
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    start("munged", [
      "--foreground",
      "--force",
      `--socket=${join(dir, "run", "munge.sock")}`,
      `--key-file=${key}`,
      `--log-file=${join(dir, "munged.log")}`,
      `--pid-file=${join(dir, "run", "munged.pid")}`,
      `--seed-file=${join(dir, "munged.seed")}`,
    ]);
    start("slurmctld", ["-D", "-i"]);
    start("slurmd", ["-D"]);
    for (let i = 0; i < 100; i++) {
      const { stdout } = await new Deno.Command("sinfo", { args: ["-h", "-o", "%T"], env })
        .output();
      if (new TextDecoder().decode(stdout).trim() === "idle") {
        return { env, node, stop };
      }
      await sleep(200);
    }
    const log = await Deno.readTextFile(join(dir, "slurmd.log")).catch(() => "");
    throw new Error(
      `Cannot start a Slurm cluster as its node did not come up within 20 s: ${log.slice(-500)}`,
    );
  } catch (error) {
    await stop();
    throw error;
  }
}
