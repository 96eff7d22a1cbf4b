// The node bus towards a node whose process is gone: no subscriber, so the answer is immediate.
import { pino } from 'pino';
import { createClient, type RedisClientType } from 'redis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisNodeBus } from '../../src/cluster/NodeBus.ts';
import { startRedisServer, type RedisServer } from '../support/redisServer.ts';

const logger = pino({ level: 'silent' });
let server: RedisServer;
const clients: RedisClientType[] = [];

async function client(): Promise<RedisClientType> {
  const made: RedisClientType = createClient({ url: server.url });
  made.on('error', () => undefined);
  await made.connect();
  clients.push(made);
  return made;
}

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  for (const c of clients) {
    await c.quit().catch(() => undefined);
  }
  await server.stop();
});

it('answers busy at once for a node nobody listens for (a killed process), not after the timeout', async () => {
  const one = await RedisNodeBus.create({ redis: await client(), nodeId: 'one', logger });
  const two = await RedisNodeBus.create({ redis: await client(), nodeId: 'two', logger });
  two.handle(
    () => Promise.resolve('two answers'),
    () => undefined,
  );
  expect(await one.request('two', {}, 5_000)).toBe('two answers');
  // Its subscription gone, as when the process dies and Redis drops its connection.
  await two.close();
  const asked = Date.now();
  await expect(one.request('two', {}, 5_000)).rejects.toMatchObject({ reason: 'busy' });
  expect(Date.now() - asked).toBeLessThan(1_000);
  await one.close();
});
