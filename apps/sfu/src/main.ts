import { ConfigError, loadSfuConfig } from './config.ts';
import { startSfu } from './startSfu.ts';

try {
  const sfu = await startSfu(loadSfuConfig());
  const stop = (): void => {
    void sfu.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
