import { ConfigError, loadSignalingConfig } from './config.ts';
import { startSignaling } from './startSignaling.ts';

// A rejected promise nobody awaited (a library's background write while Redis is away) is logged,
// never the end of the process: the meetings on this node go on.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(
    `${JSON.stringify({ level: 40, msg: 'unhandled rejection', err: String(reason), service: 'signaling' })}\n`,
  );
});

try {
  const signaling = await startSignaling(loadSignalingConfig());
  const stop = (): void => {
    void signaling.close().then(() => process.exit(0));
  };
  // An upgrade or a restart: the meetings this node owns move to the other nodes first.
  const handOverThenStop = (): void => {
    void signaling
      .handOver()
      .catch(() => undefined)
      .then(() => signaling.close())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', handOverThenStop);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
