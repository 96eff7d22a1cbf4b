export * from './KeyRing.ts';
export * from './TokenError.ts';
export * from './TokenService.ts';
