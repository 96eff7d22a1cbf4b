import { ConfigError, loadSignalingConfig } from './config.ts';
import { startSignaling } from './startSignaling.ts';

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
