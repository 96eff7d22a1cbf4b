import { pino, type Logger } from 'pino';

/**
 * Structured JSON logs. No IP addresses are ever logged by this service;
 * request objects are never passed to the logger.
 */
export function createLogger(name: string, level: string): Logger {
  return pino({ name, level, base: { service: name } });
}
