import { afterAll } from 'vitest';
import { sqliteEngine } from '../support/storeEngines.ts';
import { storeContract } from './storeContract.ts';

const engine = sqliteEngine();

afterAll(async () => {
  await engine.stop();
});

storeContract('SQLite', engine);
