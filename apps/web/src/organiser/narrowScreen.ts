/**
 * Below this width the organiser's tables become lists of cards: a phone
 * (390 px) or a narrow window cannot show five to seven columns side by side.
 */
export const NARROW_SCREEN = '(max-width: 47.99rem)';
