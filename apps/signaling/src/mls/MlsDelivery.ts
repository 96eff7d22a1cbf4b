import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { MemoryRateLimiterFactory } from '../state/RateLimiterFactory.ts';
import { InMemoryMlsDeliveryStore, type MlsDeliveryStore } from './MlsDeliveryStore.ts';

/**
 * Key packages one member may publish per second. A browser publishes one
 * when it joins, and again only after losing its group state or on
 * `mlsReset`: more is a flood (each goes to every member of the room).
 */
export const MLS_KEY_PACKAGES_PER_SECOND = 3;

/** What the MLS handlers of a session need: the Delivery Service's store, and its own budget. */
export interface MlsDelivery {
  readonly store: MlsDeliveryStore;
  /**
   * Key packages per member. This node's own: a meeting's requests all run
   * on its owner node, so one count per member is enough (and on top of the
   * per-socket request budget every request spends).
   */
  readonly keyPackageLimiter: RateLimiterAbstract;
}

export function createMlsDelivery(store: MlsDeliveryStore = new InMemoryMlsDeliveryStore()): MlsDelivery {
  return {
    store,
    keyPackageLimiter: new MemoryRateLimiterFactory().create('mls-key-packages', {
      points: MLS_KEY_PACKAGES_PER_SECOND,
      duration: 1,
    }),
  };
}
