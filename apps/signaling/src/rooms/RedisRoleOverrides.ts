import { memberRoleSchema, type MemberRole } from '@confidentiel/protocol';
import type { RedisClientType } from 'redis';
import type { RoleOverrides } from './RoleOverrides.ts';

/** Role overrides in Redis: `role:<memberId>` = the role, expiring at the time given (PXAT). */
export class RedisRoleOverrides implements RoleOverrides {
  readonly #client: RedisClientType;
  readonly #prefix: string;

  constructor(options: { client: RedisClientType; keyPrefix?: string }) {
    this.#client = options.client;
    this.#prefix = options.keyPrefix ?? '';
  }

  #key(memberId: string): string {
    return `${this.#prefix}role:${memberId}`;
  }

  async set(memberId: string, role: MemberRole, untilMs: number): Promise<void> {
    await this.#client.set(this.#key(memberId), role, {
      expiration: { type: 'PXAT', value: Math.ceil(untilMs) },
    });
  }

  async get(memberId: string): Promise<MemberRole | undefined> {
    const role = memberRoleSchema.safeParse(await this.#client.get(this.#key(memberId)));
    return role.success ? role.data : undefined;
  }
}
