/**
 * The store contract: what every engine's stores must do, as one suite run
 * against each engine (sqlite-stores.test.ts, postgres-stores.test.ts). Each
 * test gets a new, empty database; the test file owns the engine (and stops it).
 */
import { afterEach, describe } from 'vitest';
import type { StoreEngine } from '../support/storeEngines.ts';
import { accountContract } from './contract/accounts.ts';
import { committeeAndRecordingContract } from './contract/committeeAndRecordings.ts';
import { meetingAndInviteContract } from './contract/meetingsAndInvites.ts';

export function storeContract(name: string, engine: StoreEngine): void {
  describe(`store contract on ${name}`, () => {
    afterEach(async () => {
      await engine.cleanup();
    });

    describe('accounts', () => accountContract(engine));
    describe('meetings and invites', () => meetingAndInviteContract(engine));
    describe('agendas, minutes and the recordings index', () => committeeAndRecordingContract(engine));
  });
}
