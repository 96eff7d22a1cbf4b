/**
 * A veth pair and a default route inside the test's own network namespace,
 * for Firefox: it gathers no ICE candidate when the namespace has only
 * loopback (even with media.peerconnection.ice.loopback), but does once an
 * interface with a default route exists. Nothing can leave: both ends of the
 * pair are in this namespace and the route points at the pair's own peer.
 *
 * Works as root in `unshare --net` and under `unshare --user --map-root-user
 * --net` (the namespace's root may add links to it). Refuses to run in a
 * namespace with any interface but loopback and the tests' own `ct-*` links
 * (assertPrivateNamespace), or one that already has a default route: it must
 * never touch the machine's real network. remove() deletes the pair, which
 * takes its addresses and the route with it.
 */
import { execFileSync } from 'node:child_process';
import { assertPrivateNamespace, ip } from './netns.ts';

/** The ends of the pair: `ct-` is the prefix netns.ts allows for the tests' own links. */
const LOCAL_DEV = 'ct-ffa';
const PEER_DEV = 'ct-ffb';

export interface VethRoute {
  /** The address on the routed end: where the SFU listens and Firefox gathers its candidate. */
  readonly address: string;
  /** Deletes the pair (and so its addresses and the default route). Idempotent. */
  remove(): Promise<void>;
}

async function hasDefaultRoute(): Promise<boolean> {
  return (await ip(['route', 'show', 'default'])).trim() !== '';
}

async function deleteLink(dev: string): Promise<void> {
  await ip(['link', 'del', dev]).catch(() => undefined);
}

/**
 * Creates `ct-ffa` (10.99.0.1/24) and its peer `ct-ffb` (10.99.0.2/24), both
 * up, and `default via 10.99.0.2 dev ct-ffa`. A pair left by an earlier run
 * that died is deleted first. On failure, deletes what it made and rethrows.
 */
export async function addVethWithDefaultRoute(subnet = '10.99.0'): Promise<VethRoute> {
  await assertPrivateNamespace();
  await deleteLink(LOCAL_DEV);
  if (await hasDefaultRoute()) {
    throw new Error(
      'refusing to add a default route: this network namespace already has one (run the browser tests inside unshare --net, as scripts/test.sh does)',
    );
  }
  const address = `${subnet}.1`;
  const peer = `${subnet}.2`;
  let removed = false;
  // Last resort if the test process ends without remove(): the pair would otherwise stay for the next spec.
  const onExit = (): void => {
    try {
      execFileSync('/usr/sbin/ip', ['link', 'del', LOCAL_DEV], { timeout: 2_000, stdio: 'ignore' });
    } catch {
      // already gone
    }
  };
  const remove = async (): Promise<void> => {
    if (removed) {
      return;
    }
    removed = true;
    process.off('exit', onExit);
    await deleteLink(LOCAL_DEV);
  };
  process.once('exit', onExit);
  try {
    await ip(['link', 'add', LOCAL_DEV, 'type', 'veth', 'peer', 'name', PEER_DEV]);
    await ip(['addr', 'add', `${address}/24`, 'dev', LOCAL_DEV]);
    await ip(['addr', 'add', `${peer}/24`, 'dev', PEER_DEV]);
    await ip(['link', 'set', LOCAL_DEV, 'up']);
    await ip(['link', 'set', PEER_DEV, 'up']);
    await ip(['route', 'add', 'default', 'via', peer, 'dev', LOCAL_DEV]);
  } catch (error) {
    await remove();
    throw error;
  }
  return { address, remove };
}
