import { startService } from './servers.ts';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const child = await startService();
  return async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => {
      if (child.exitCode !== null) {
        resolve(null);
        return;
      }
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(null);
      });
    });
  };
}
