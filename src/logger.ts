/**
 * The process logger: JSON lines (for log shippers) unless a person watches the terminal, then
 * readable lines. `TANDEM_LOG_FORMAT=json|pretty` decides explicitly.
 */
import pino from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from './engine/deps.ts';

export function createLogger(level: string): Logger {
  const format = process.env.TANDEM_LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json');
  if (format === 'pretty') {
    // In-process (no worker thread): lines appear in order with the server's own output.
    const stream = pretty({
      colorize: true,
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname',
    });
    return pino({ level }, stream);
  }
  return pino({ level });
}
