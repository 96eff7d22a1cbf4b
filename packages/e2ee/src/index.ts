export * from './E2eeError.ts';
export * from './Header.ts';
