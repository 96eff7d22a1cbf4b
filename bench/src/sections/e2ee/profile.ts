/**
 * Where ours stands against raw AES-GCM, size by size, and where the extra
 * time goes, from the step profile measured in the same worker
 * (worker/stepProfile.ts): raw AES-GCM, then with SFrame's AAD, with the
 * payload as a view past the clear prefix, with the output assembled, then
 * the real function.
 */
import { median } from '../../core/stats.ts';
import type { BenchResponse, CaseResult } from './worker/frameBench.ts';
import { PROFILE_WAYS, type ProfileWay } from './worker/stepProfile.ts';

function med(runs: readonly BenchResponse[], id: string, pick: (r: CaseResult) => number): number {
  const values = runs
    .map((run) => run.results.find((r) => r.id === id))
    .filter((r): r is CaseResult => r !== undefined)
    .map(pick)
    .filter((v) => Number.isFinite(v));
  return values.length === 0 ? Number.NaN : median(values);
}

const us = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(1)} µs` : 'n/a');

export function profileNotes(runs: readonly BenchResponse[], target: number): string[] {
  const ids = runs[0]?.results.map((r) => r.id) ?? [];
  const lines: string[] = ['Per frame, median of the runs (ours / raw → overhead):'];
  for (const id of ids) {
    for (const op of ['encrypt', 'decrypt'] as const) {
      const ours = med(runs, id, (r) => r.ours[op]);
      const raw = med(runs, id, (r) => r.raw[op]);
      const pipe = med(runs, id, (r) => r.pipeline[op]);
      const pipeRaw = med(runs, id, (r) => r.pipelineRaw[op]);
      lines.push(
        `  ${id} ${op}: frame level ${us(ours)} / ${us(raw)} → +${us(ours - raw)} (${(ours / raw).toFixed(2)}×); ` +
          `through a TransformStream ${us(pipe)} / ${us(pipeRaw)} → +${us(pipe - pipeRaw)} (${(pipe / pipeRaw).toFixed(2)}×)`,
      );
    }
  }
  const behind = ids.flatMap((id) =>
    (['encrypt', 'decrypt'] as const)
      .map((op) => ({ id, op, ratio: med(runs, id, (r) => r.ours[op] / r.raw[op]) }))
      .filter((x) => x.ratio > target),
  );
  lines.push(...stepLines(runs, ids));
  const first = ids[0];
  if (first !== undefined) {
    const step = (pick: (r: CaseResult) => number): string => us(med(runs, first, pick));
    lines.push(
      `"The rest of the function", timed step by step (synchronous, µs per call, ${first}): sender.take ` +
        `${step((r) => r.steps.take)}, header into the AAD ${step((r) => r.steps.header)}, nonce ` +
        `${step((r) => r.steps.nonce)}; parseHeader ${step((r) => r.steps.parse)}, key lookup ` +
        `${step((r) => r.steps.keyLookup)}, replay window check + accept ${step((r) => r.steps.replay)}; the ` +
        `remainder is the promise hops between the functions' async layers (encryptFrame → sealSFrame → ` +
        `Aead.seal; decryptFrame → open → openSFrame → Aead.open).`,
    );
  }
  lines.push(...closingLines(runs, ids, target));
  lines.push(
    behind.length === 0
      ? `Every frame-level ratio is within ${target}× of raw AES-GCM.`
      : `Above ${target}×: ${behind.map((b) => `${b.id} ${b.op} (${b.ratio.toFixed(2)}×)`).join(', ')}.`,
  );
  return lines;
}

const STEP_TEXT: Record<Exclude<ProfileWay, 'raw'>, string> = {
  aad: 'AAD (header + clear prefix authenticated)',
  view: 'payload handed to WebCrypto as a view past the clear prefix',
  copy: "WebCrypto's output read and copied behind prefix and header (into a buffer made once)",
  assembly: 'a new buffer per frame for that copy (allocation, zeroing, GC)',
  ours: 'the rest of the function (codec and prefix checks, key and CTR, header, nonce, replay window, promises)',
};

/** Each step's added µs per frame (median of the runs), per case and way. */
function stepLines(runs: readonly BenchResponse[], ids: readonly string[]): string[] {
  const lines = [
    'Step profile (µs per frame added by each step over the previous one, same worker; raw = plain AES-GCM):',
  ];
  for (const id of ids) {
    for (const op of ['encrypt', 'decrypt'] as const) {
      const at = (way: ProfileWay): number => med(runs, id, (r) => r.profile[op][way]);
      const parts = PROFILE_WAYS.slice(1).map((way, i) => {
        const previous = PROFILE_WAYS[i] as ProfileWay;
        const added = at(way) - at(previous);
        return `${STEP_TEXT[way as Exclude<ProfileWay, 'raw'>]} ${added >= 0 ? '+' : ''}${us(added)}`;
      });
      lines.push(`  ${id} ${op}: raw ${us(at('raw'))}; ${parts.join('; ')}; total ${us(at('ours'))}`);
      const grow = med(runs, id, (r) => r.profile[op].grow);
      lines.push(
        `    the same assembly by growing WebCrypto's output (ArrayBuffer.transfer + copyWithin) instead of a new ` +
          `buffer: ${us(grow)} against ${us(at('assembly'))}`,
      );
    }
  }
  return lines;
}

/** What the profile says would close the gap, with the measured µs (largest frame and smallest frame). */
/**
 * Whether removing the largest concrete step (AAD, view, copy, new buffer) of the small frame's
 * decrypt would bring it within the target, and where the flat version lands.
 */
function smallVerdict(
  p: (id: string, op: 'encrypt' | 'decrypt', way: ProfileWay | 'flat') => number,
  small: string,
  target: number,
): string {
  const concrete = (['aad', 'view', 'copy', 'assembly'] as const).map(
    (way) =>
      p(small, 'decrypt', way) -
      p(small, 'decrypt', PROFILE_WAYS[PROFILE_WAYS.indexOf(way) - 1] as ProfileWay),
  );
  const largest = Math.max(...concrete.filter((v) => Number.isFinite(v)));
  const excess = p(small, 'decrypt', 'ours') - target * p(small, 'decrypt', 'raw');
  const flat = p(small, 'decrypt', 'flat') / p(small, 'decrypt', 'raw');
  return (
    (largest >= excess
      ? `Removing the largest of the AAD, view, copy and buffer steps (${us(largest)}) would bring decrypt within ${target}×. `
      : `No one of the AAD, view, copy and buffer steps (largest ${us(largest)}) is worth the ${us(excess)} by which ` +
        `decrypt exceeds ${target}× raw. `) + `The flat decrypt is ${flat.toFixed(2)}× raw.`
  );
}

function closingLines(runs: readonly BenchResponse[], ids: readonly string[], target: number): string[] {
  const large = ids[ids.length - 1];
  const small = ids[0];
  if (large === undefined || small === undefined) {
    return [];
  }
  const p = (id: string, op: 'encrypt' | 'decrypt', way: ProfileWay | 'grow' | 'flat'): number =>
    med(runs, id, (r) => r.profile[op][way]);
  const copy = p(large, 'encrypt', 'copy') - p(large, 'encrypt', 'view');
  const alloc = p(large, 'encrypt', 'assembly') - p(large, 'encrypt', 'copy');
  const step = (op: 'encrypt' | 'decrypt', way: ProfileWay, previous: ProfileWay): string =>
    us(p(small, op, way) - p(small, op, previous));
  const sync = med(runs, small, (r) => r.steps.parse + r.steps.keyLookup + r.steps.replay);
  const growEnc = p(large, 'encrypt', 'grow');
  const growDec = p(large, 'decrypt', 'grow');
  const asmEnc = p(large, 'encrypt', 'assembly');
  const asmDec = p(large, 'decrypt', 'assembly');
  const saved = (asmEnc - growEnc + (asmDec - growDec)) / 2;
  const growVerdict =
    saved > 0.1 * alloc
      ? `it saves ${us(saved)} a frame on average, ${(growEnc / p(large, 'encrypt', 'raw')).toFixed(2)}× and ` +
        `${(growDec / p(large, 'decrypt', 'raw')).toFixed(2)}× raw.`
      : 'no real saving. Short of WebCrypto writing into a given buffer (it has no such call), the copy and ' +
        `its buffer stay (${large} at ${(p(large, 'encrypt', 'ours') / p(large, 'encrypt', 'raw')).toFixed(2)}× ` +
        'raw on encrypt in this profile).';
  return [
    `What would close it. Large frames (${large}): the extra is the copy of WebCrypto's output behind the clear ` +
      `prefix and SFrame header (${us(copy)}) and the new buffer it goes into (${us(alloc)}), on encrypt and ` +
      `again on decrypt (prefix + plaintext). WebCrypto cannot write at an offset, so one copy remains while the ` +
      `clear prefix leads the frame. Growing WebCrypto's own output instead of a new buffer ` +
      `(ArrayBuffer.prototype.transfer, then copyWithin) measured ${us(growEnc)} against ${us(asmEnc)} (encrypt) ` +
      `and ${us(growDec)} against ${us(asmDec)} (decrypt): ${growVerdict}`,
    `Small frames (${small}): a raw AES-GCM call costs only ${us(p(small, 'decrypt', 'raw'))} (decrypt), so ` +
      `steps of about a microsecond weigh: on decrypt, AAD ${step('decrypt', 'aad', 'raw')}, view ` +
      `${step('decrypt', 'view', 'aad')}, copy ${step('decrypt', 'copy', 'view')}, new buffer ` +
      `${step('decrypt', 'assembly', 'copy')}, the rest ${step('decrypt', 'ours', 'assembly')} (of which the ` +
      `synchronous header, key and replay steps take ${us(sync)}). The same steps in one async function awaiting ` +
      `WebCrypto once (flatFrame.ts) measured ${us(p(small, 'encrypt', 'flat'))} against ` +
      `${us(p(small, 'encrypt', 'ours'))} (encrypt) and ${us(p(small, 'decrypt', 'flat'))} against ` +
      `${us(p(small, 'decrypt', 'ours'))} (decrypt). ${smallVerdict(p, small, target)} The fixed cost per frame ` +
      `is a few µs, against 33,000 µs between frames at 30 fps.`,
    'Through the transform streams (what the browser runs), the encrypt side stays close to raw AES-GCM in the ' +
      'same stream, because carrying the IV forces that stream to copy too; the decrypt side does not, as raw ' +
      'AES-GCM hands its output to the decoder as is while ours puts the clear prefix back in front.',
  ];
}
