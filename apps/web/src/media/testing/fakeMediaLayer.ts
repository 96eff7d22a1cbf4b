import { Device, FakeHandler, testFakeParameters } from 'mediasoup-client';
import type { types as ms } from 'mediasoup-client';

/** One transport as the browser side of mediasoup-client sees it (a FakeHandler). */
export interface FakeTransportHandle {
  direction: 'send' | 'recv';
  handler: FakeHandler;
  /** `restartIce` calls with new ICE parameters. */
  iceRestarts: number;
  /** RTP senders and receivers handed to the E2EE hooks. */
  senders: RTCRtpSender[];
  receivers: RTCRtpReceiver[];
}

type SendOptions = Parameters<FakeHandler['send']>[0] & { onRtpSender?: (sender: RTCRtpSender) => void };
type ReceiveOptions = Parameters<FakeHandler['receive']>[0][number] & {
  onRtpReceiver?: (receiver: RTCRtpReceiver) => void;
};

/**
 * Test support: mediasoup-client devices on FakeHandler, recording every
 * transport made, so that a test can change its connection state (as a
 * browser's ICE would) and see its ICE restarts. Unlike the bare
 * FakeHandler, it calls the E2EE hooks (`onRtpSender`, `onRtpReceiver`)
 * with stand-in senders and receivers, as a browser does.
 */
export class FakeMediaLayer {
  readonly devices: Device[] = [];
  readonly transports: FakeTransportHandle[] = [];

  readonly createDevice = (): Promise<Device> => {
    const base = FakeHandler.createFactory(testFakeParameters);
    const handlerFactory: ms.HandlerFactory = {
      ...base,
      factory: (options) => {
        const handler = base.factory(options) as FakeHandler;
        this.transports.push(this.#instrument(options.direction, handler));
        return handler;
      },
    };
    const device = new Device({ handlerFactory });
    this.devices.push(device);
    return Promise.resolve(device);
  };

  /** The last transport made for `direction`. */
  latest(direction: 'send' | 'recv'): FakeTransportHandle {
    const handle = this.transports.filter((t) => t.direction === direction).at(-1);
    if (!handle) {
      throw new Error(`no ${direction} transport was made`);
    }
    return handle;
  }

  /** What the browser's ICE would report for the latest transport of `direction`. */
  setConnectionState(direction: 'send' | 'recv', state: ms.ConnectionState): void {
    this.latest(direction).handler.setConnectionState(state);
  }

  #instrument(direction: 'send' | 'recv', handler: FakeHandler): FakeTransportHandle {
    const handle: FakeTransportHandle = { direction, handler, iceRestarts: 0, senders: [], receivers: [] };
    const restartIce = handler.restartIce.bind(handler);
    handler.restartIce = (iceParameters) => {
      handle.iceRestarts += 1;
      return restartIce(iceParameters);
    };
    const send = handler.send.bind(handler);
    handler.send = async (options: SendOptions) => {
      const sender = { kind: options.track.kind, direction } as unknown as RTCRtpSender;
      options.onRtpSender?.(sender);
      handle.senders.push(sender);
      return send(options);
    };
    const receive = handler.receive.bind(handler);
    handler.receive = async (optionsList: ReceiveOptions[]) => {
      for (const options of optionsList) {
        const receiver = { kind: options.kind } as unknown as RTCRtpReceiver;
        options.onRtpReceiver?.(receiver);
        handle.receivers.push(receiver);
      }
      return receive(optionsList);
    };
    return handle;
  }
}
