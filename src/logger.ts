// logger.ts — the pino logger: pretty on a terminal, JSON otherwise; signatures and secrets redacted.
import pino, { type Logger } from 'pino';

export function createLogger(level: string, pretty = process.stdout.isTTY === true): Logger {
  return pino({
    level,
    redact: { paths: ['*.AccessKeySecret', '*.Signature', 'secret'], censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  });
}
