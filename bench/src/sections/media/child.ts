/**
 * The media benchmark's process, started by the section inside a fresh
 * network namespace (netns.ts): it makes the bench network, starts our SFU
 * (and Janus), runs the job, writes the result to a file and stops every
 * server it started, also on SIGTERM. It inherits the runner's pinning (the
 * load core): it is the load generator; the servers go on the SUT core.
 */
import { writeFileSync } from 'node:fs';
import { runCapacityJob } from './capacityJob.ts';
import type { SfuUnderTest } from './driver.ts';
import { janusInstalled } from './janusProcess.ts';
import { JanusSfu } from './janusSfu.ts';
import type { ChildArgs, JobContext } from './job.ts';
import { runMediaJob } from './mediaJob.ts';
import { BENCH_ADDRESS, BENCH_INTERFACE, setUpBenchNetwork } from './netns.ts';
import { OurSfu } from './ourSfu.ts';

const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};
const context: JobContext = {
  root: args.root,
  runs: args.runs,
  quick: args.quick,
  pinning: args.pinning,
  workDir: args.workDir,
  log,
};

const started: SfuUnderTest[] = [];
let stopping = false;
async function stopAll(): Promise<void> {
  if (stopping) {
    return;
  }
  stopping = true;
  await Promise.allSettled(started.map((sfu) => sfu.stop()));
}
// Whatever goes wrong, the servers this process started are stopped.
process.on('unhandledRejection', (reason) => {
  log(
    `media child: unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
  );
  void stopAll().then(() => process.exit(1));
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void stopAll().then(() => process.exit(1));
  });
}

try {
  let address = '127.0.0.1';
  if (args.network === 'namespace') {
    setUpBenchNetwork();
    address = BENCH_ADDRESS;
  }
  const ours = await OurSfu.start(args.root, args.pinning, args.workDir, address);
  started.push(ours);
  let janus: SfuUnderTest | null = null;
  if (args.job === 'media' && args.network === 'namespace' && janusInstalled()) {
    janus = await JanusSfu.start(args.root, args.pinning, args.workDir, BENCH_INTERFACE, [address]);
    started.push(janus);
  }
  const result =
    args.job === 'media' ? await runMediaJob(context, ours, janus) : await runCapacityJob(context, ours);
  writeFileSync(args.resultFile, JSON.stringify(result));
} catch (error) {
  log(`media child failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
// werift leaves sockets and timers behind: the job is done, leave.
process.exit(process.exitCode ?? 0);
