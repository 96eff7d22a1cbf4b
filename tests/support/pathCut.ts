/**
 * Cuts one browser's media path on loopback, as when a laptop's Wi-Fi drops:
 * every UDP packet from or to the local ports its peer connections use now is
 * dropped (policy-routing `blackhole` rules, `ip rule ... ipproto udp sport|dport`),
 * and TCP to the media server's ports too, so ICE cannot slip onto a TCP pair.
 * Other browsers on the same machine keep their paths. This machine's kernel
 * has no netem or tc actions; routing rules are what it offers.
 *
 * Only inside the private network namespace the browser tests run in
 * (assertPrivateNamespace): the rules live and die with that namespace.
 * `restore()` removes every rule this module added and puts the local table
 * back first; it is idempotent.
 */
import { assertPrivateNamespace, ip } from './netns.ts';

/** Our rules sit before the local table, which this module moves from preference 0 to this. */
const LOCAL_TABLE_PREF = 100;
/** Preferences of our blackhole rules start here. */
const FIRST_RULE_PREF = 10;

export class PathCut {
  readonly #prefs: number[] = [];
  #movedLocalTable = false;

  private constructor() {}

  /** Blackholes UDP from and to `udpPorts`, and TCP to `tcpServerPorts`. */
  static async cut(options: {
    udpPorts: readonly number[];
    tcpServerPorts: readonly number[];
  }): Promise<PathCut> {
    await assertPrivateNamespace();
    if (options.udpPorts.length === 0) {
      throw new Error('no UDP port to cut: the page has no selected ICE pair');
    }
    const cut = new PathCut();
    try {
      // Rule 0 (the local table) matches every loopback packet first: it moves behind our rules.
      await ip(['rule', 'add', 'pref', String(LOCAL_TABLE_PREF), 'lookup', 'local']);
      await ip(['rule', 'del', 'pref', '0']);
      cut.#movedLocalTable = true;
      let pref = FIRST_RULE_PREF;
      const add = async (selector: string[]): Promise<void> => {
        await ip(['rule', 'add', ...selector, 'pref', String(pref), 'blackhole']);
        cut.#prefs.push(pref++);
      };
      for (const port of options.udpPorts) {
        await add(['ipproto', 'udp', 'sport', String(port)]);
        await add(['ipproto', 'udp', 'dport', String(port)]);
      }
      for (const port of options.tcpServerPorts) {
        await add(['ipproto', 'tcp', 'dport', String(port)]);
        await add(['ipproto', 'tcp', 'sport', String(port)]);
      }
    } catch (error) {
      await cut.restore();
      throw error;
    }
    return cut;
  }

  async restore(): Promise<void> {
    for (const pref of this.#prefs.splice(0)) {
      await ip(['rule', 'del', 'pref', String(pref)]).catch(() => undefined);
    }
    if (this.#movedLocalTable) {
      this.#movedLocalTable = false;
      await ip(['rule', 'add', 'pref', '0', 'lookup', 'local']).catch(() => undefined);
      await ip(['rule', 'del', 'pref', String(LOCAL_TABLE_PREF)]).catch(() => undefined);
    }
  }
}
