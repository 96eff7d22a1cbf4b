/**
 * The few bytes of a POSIX ustar archive (`tar`, readable by every system
 * and archive tool, decades from now): a 512-byte header per file, the
 * file's bytes padded to 512, two empty blocks at the end. Enough for an
 * archive of plain files written in one pass, with its length known before.
 */

export const TAR_BLOCK = 512;
/** Longest name the header's `name` field holds (no `prefix` use: our names are short). */
const MAX_NAME_BYTES = 100;
/** 11 octal digits: files up to 8 GiB. */
const MAX_SIZE = 8 ** 11 - 1;

/** The zeros that pad a file of `size` bytes to a whole block. */
export function tarPadding(size: number): Buffer {
  const rest = size % TAR_BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : TAR_BLOCK - rest);
}

/** Two empty blocks: the end of the archive. */
export function tarEnd(): Buffer {
  return Buffer.alloc(2 * TAR_BLOCK);
}

/** Bytes a file of `size` takes in the archive (header, content, padding). */
export function tarEntryLength(size: number): number {
  return TAR_BLOCK + size + tarPadding(size).length;
}

function octal(value: number, width: number): string {
  // `width - 1` digits and a NUL, as tar writes them.
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** The header of a regular file (mode 0600: sealed records are nobody else's) modified at `mtimeMs`. */
export function tarHeader(name: string, size: number, mtimeMs: number): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length === 0 || nameBytes.length > MAX_NAME_BYTES || name.includes('\0')) {
    throw new TypeError(`a tar entry name has 1 to ${MAX_NAME_BYTES} bytes`);
  }
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_SIZE) {
    throw new TypeError('a tar entry is 0 to 8 GiB');
  }
  const header = Buffer.alloc(TAR_BLOCK);
  nameBytes.copy(header, 0);
  header.write(octal(0o600, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii'); // uid
  header.write(octal(0, 8), 116, 'ascii'); // gid
  header.write(octal(size, 12), 124, 'ascii');
  header.write(octal(Math.max(0, Math.floor(mtimeMs / 1000)), 12), 136, 'ascii');
  header.write('        ', 148, 'ascii'); // the checksum counts its own field as spaces
  header.write('0', 156, 'ascii'); // a regular file
  header.write('ustar\0', 257, 'ascii');
  header.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of header) {
    sum += byte;
  }
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return header;
}
