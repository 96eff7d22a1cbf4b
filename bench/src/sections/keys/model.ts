/**
 * Growth models fitted to the measured room sizes, to extrapolate to 1,000:
 * least squares on a polynomial of the degree the protocol predicts (a join:
 * linear in n; a leave: quadratic for the room, linear per member), with the
 * residual said, so a wrong model shows.
 */

export interface Fit {
  /** Coefficients, constant first: y = c0 + c1 n + c2 n² ... */
  coefficients: number[];
  /** Largest |fitted − measured| / measured over the points used. */
  worstRelativeError: number;
  at: (n: number) => number;
  /** "2.00 n² − 6.0 n + 4" */
  text: string;
}

/** Solves the square system `a x = b` by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] as number]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++) {
      if (Math.abs((m[row] as number[])[col] as number) > Math.abs((m[pivot] as number[])[col] as number)) {
        pivot = row;
      }
    }
    [m[col], m[pivot]] = [m[pivot] as number[], m[col] as number[]];
    const top = m[col] as number[];
    for (let row = col + 1; row < n; row++) {
      const current = m[row] as number[];
      const factor = (current[col] as number) / (top[col] as number);
      for (let k = col; k <= n; k++) {
        current[k] = (current[k] as number) - factor * (top[k] as number);
      }
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let row = n - 1; row >= 0; row--) {
    const current = m[row] as number[];
    let sum = current[n] as number;
    for (let k = row + 1; k < n; k++) {
      sum -= (current[k] as number) * (x[k] as number);
    }
    x[row] = sum / (current[row] as number);
  }
  return x;
}

function term(coefficient: number, power: number): string {
  const digits = Math.abs(coefficient) >= 100 ? 0 : Math.abs(coefficient) >= 1 ? 2 : 4;
  const value = Math.abs(coefficient).toFixed(digits);
  return power === 0 ? value : power === 1 ? `${value} n` : `${value} n^${power}`;
}

/** Least-squares polynomial of `degree` through the points (x, y); needs more points than the degree. */
export function fitPolynomial(xs: readonly number[], ys: readonly number[], degree: number): Fit {
  if (xs.length !== ys.length || xs.length <= degree) {
    throw new TypeError(`a degree-${degree} fit needs more than ${degree} points, not ${xs.length}`);
  }
  const size = degree + 1;
  const a = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  const b = new Array<number>(size).fill(0);
  xs.forEach((x, i) => {
    for (let r = 0; r < size; r++) {
      b[r] = (b[r] as number) + (ys[i] as number) * x ** r;
      for (let c = 0; c < size; c++) {
        (a[r] as number[])[c] = ((a[r] as number[])[c] as number) + x ** (r + c);
      }
    }
  });
  const coefficients = solve(a, b);
  const at = (n: number): number => coefficients.reduce((sum, c, power) => sum + c * n ** power, 0);
  const worstRelativeError = Math.max(
    ...xs.map((x, i) => Math.abs(at(x) - (ys[i] as number)) / Math.max(1e-9, Math.abs(ys[i] as number))),
  );
  const parts = coefficients
    .map((c, power) => ({ c, power }))
    .reverse()
    .filter(({ c }) => Math.abs(c) > 1e-6);
  const text = parts
    .map(({ c, power }, i) => `${i === 0 ? (c < 0 ? '−' : '') : c < 0 ? ' − ' : ' + '}${term(c, power)}`)
    .join('');
  return { coefficients, worstRelativeError, at, text: text || '0' };
}
