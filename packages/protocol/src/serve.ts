import { ProtocolError } from './errors.ts';
import {
  isRequestName,
  parseRequest,
  type Ack,
  type RequestMap,
  type RequestOf,
  type ResponseOf,
} from './rpc.ts';

/** The part of a Socket.IO server socket that request serving needs. */
export interface ServingSocket {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  onAny(listener: (event: string, ...args: unknown[]) => void): unknown;
}

export type RequestHandlers<M extends RequestMap> = {
  [K in keyof M & string]: (request: RequestOf<M, K>) => Promise<ResponseOf<M, K>> | ResponseOf<M, K>;
};

export interface ServeOptions {
  /** Called with every failure; unexpected ones (not ProtocolError) are to be logged. */
  onError?: (event: string, error: unknown) => void;
}

/**
 * Serves every request of `map` on `socket`: the payload is validated by its
 * schema before the handler runs, the result or a refusal goes back in the
 * acknowledgement. Unknown events and events without an acknowledgement are
 * refused. A handler that throws something other than a ProtocolError gets a
 * generic `internal` refusal (the details stay in the logs).
 */
export function serveRequests<M extends RequestMap>(
  socket: ServingSocket,
  map: M,
  handlers: RequestHandlers<M>,
  options: ServeOptions = {},
): void {
  socket.onAny((event, ...args) => {
    if (isRequestName(map, event)) {
      return;
    }
    const ack = args[args.length - 1];
    options.onError?.(event, new ProtocolError('unknown-event', `unknown event`));
    if (typeof ack === 'function') {
      (ack as (a: Ack<never>) => void)({
        ok: false,
        error: { reason: 'unknown-event', message: 'unknown event' },
      });
    }
  });

  for (const name of Object.keys(map) as (keyof M & string)[]) {
    socket.on(name, (...args: unknown[]) => {
      const ack = args[args.length - 1];
      if (typeof ack !== 'function' || args.length !== 2) {
        options.onError?.(name, ProtocolError.invalidPayload('expected one payload and an acknowledgement'));
        if (typeof ack === 'function') {
          (ack as (a: Ack<never>) => void)({
            ok: false,
            error: { reason: 'invalid-payload', message: 'expected one payload and an acknowledgement' },
          });
        }
        return;
      }
      const reply = ack as (a: Ack<unknown>) => void;
      void (async () => {
        try {
          const request = parseRequest(map, name, args[0]);
          const data = await handlers[name](request);
          reply({ ok: true, data });
        } catch (error) {
          options.onError?.(name, error);
          const body =
            error instanceof ProtocolError
              ? error.toBody()
              : { reason: 'internal' as const, message: 'internal error' };
          reply({ ok: false, error: body });
        }
      })();
    });
  }
}
