import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { RoomState } from '../rooms/RoomState.ts';

export interface Metrics {
  registry: Registry;
  connections: Gauge;
  refusals: Counter<'reason'>;
  meetingsCreated: Counter;
}

/**
 * Prometheus metrics of one signaling process. Labels never carry ids or
 * addresses. Room and member counts are read from the room state at each
 * scrape (with Redis: the whole service's, the same on every node); a scrape
 * the state cannot answer fails whole (the listener answers 500, logged).
 */
export function createMetrics(state: RoomState): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'confidentiel_rooms',
    help: 'Rooms with at least one member or waiting guest',
    registers: [registry],
    async collect() {
      this.set(await state.roomCount());
    },
  });
  new Gauge({
    name: 'confidentiel_members',
    help: 'Members joined to a room',
    registers: [registry],
    async collect() {
      this.set(await state.memberCount());
    },
  });
  return {
    registry,
    connections: new Gauge({
      name: 'confidentiel_socket_connections',
      help: 'Open room sockets',
      registers: [registry],
    }),
    refusals: new Counter({
      name: 'confidentiel_refusals_total',
      help: 'Refused connections and requests, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    meetingsCreated: new Counter({
      name: 'confidentiel_meetings_created_total',
      help: 'Meetings created',
      registers: [registry],
    }),
  };
}
