import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { isDefaultOption } from './voteOptions.ts';

/** A vote option as shown: pour/contre/abstention translated, the chair's own options as typed. */
export function useOptionLabel(): (option: string) => string {
  const { t } = useTranslation();
  return useCallback(
    (option: string) => (isDefaultOption(option) ? t(`committee.document.options.${option}`) : option),
    [t],
  );
}
