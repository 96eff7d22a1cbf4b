export * from './TypedEmitter.ts';
