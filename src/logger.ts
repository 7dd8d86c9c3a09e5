import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/** Structured JSON logs on stdout. Created by main and passed down; nothing logs at import time. */
export function createLogger(level: LogLevel, name = 'trellis'): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}
