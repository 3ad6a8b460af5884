import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

// Cloud Logging reads `severity`; pino's numeric levels would all show as DEFAULT.
const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

/** Paths redacted in every service's logs; services add their own at start-up. */
export const DEFAULT_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-device-token"]',
  'headers.authorization',
  '*.password',
  '*.token',
  '*.secret',
  '*.apiKey',
  '*.connectionString',
];

/**
 * Query strings never reach a log: a token put in a URL (`?token=`, a signed
 * URL, a webhook's key) would otherwise be written by every request log line.
 * Applied to the finished line, so it also covers the loggers fastify derives
 * with its own request serializer and its "Route … not found" message.
 */
export function stripQueryStrings(line: string): string {
  return line.replace(/("(?:url|originalUrl|href)":"[^"?]*)\?[^"]*"/g, '$1"').replace(/(Route [A-Z]+:[^?"\s]*)\?[^"\s]*/g, '$1');
}

export interface LoggerSettings {
  service: string;
  level?: string;
  redact?: string[];
  /** Where lines go; tests pass a stream to read them back. */
  destination?: DestinationStream;
}

/** The one logger factory: JSON lines with Cloud Logging severity and secrets redacted. */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    name: settings.service,
    level: settings.level ?? 'info',
    messageKey: 'message',
    base: { service: settings.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT', level: label }),
    },
    redact: { paths: [...DEFAULT_REDACT_PATHS, ...(settings.redact ?? [])], censor: '[redacted]' },
    hooks: { streamWrite: stripQueryStrings },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
