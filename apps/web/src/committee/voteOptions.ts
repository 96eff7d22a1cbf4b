import { DEFAULT_VOTE_OPTIONS } from '@confidentiel/protocol';

/** The protocol's limits on a motion's options. */
export const MIN_VOTE_OPTIONS = 2;
export const MAX_VOTE_OPTIONS = 10;
export const MAX_VOTE_OPTION_LENGTH = 40;

export type DefaultVoteOption = (typeof DEFAULT_VOTE_OPTIONS)[number];

export function isDefaultOption(option: string): option is DefaultVoteOption {
  return (DEFAULT_VOTE_OPTIONS as readonly string[]).includes(option);
}

/** The options as the chair types them, one a line or comma-separated. */
export function defaultOptionsText(): string {
  return DEFAULT_VOTE_OPTIONS.join(', ');
}

/**
 * Parses the chair's options: trimmed, empty ones dropped, duplicates
 * (ignoring case) refused. `undefined` means the server's default
 * (pour, contre, abstention); null means the text is not acceptable.
 */
export function parseVoteOptions(text: string): string[] | undefined | null {
  const options = text
    .split(/[,\n]/)
    .map((option) => option.trim())
    .filter((option) => option !== '');
  if (
    options.length < MIN_VOTE_OPTIONS ||
    options.length > MAX_VOTE_OPTIONS ||
    options.some((option) => option.length > MAX_VOTE_OPTION_LENGTH) ||
    new Set(options.map((option) => option.toLowerCase())).size !== options.length
  ) {
    return null;
  }
  const isDefault =
    options.length === DEFAULT_VOTE_OPTIONS.length && options.every((o, i) => o === DEFAULT_VOTE_OPTIONS[i]);
  return isDefault ? undefined : options;
}
