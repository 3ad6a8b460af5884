import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';

/** Something a service's entry point started and must stop in order. */
export interface RunningService {
  /** Stop intake, finish or nack in-flight work, flush, close pools. */
  close(): Promise<void>;
}

export interface RunOptions {
  logger: Logger;
  /** Must be shorter than the pod's terminationGracePeriodSeconds. */
  graceMs?: number;
  start: () => Promise<RunningService>;
}

/**
 * The process half of a service's main.ts: starts it, and on SIGTERM/SIGINT or a
 * fatal error drains it; a force-exit timer ends the process if draining hangs.
 */
export async function runService({ logger, graceMs = 25_000, start }: RunOptions): Promise<void> {
  let service: RunningService | undefined;
  closeWithGrace({ delay: graceMs, logger: { error: (message: string) => logger.error(message) } }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'fatal error; draining');
    else logger.info({ signal }, 'shutting down; draining in-flight work');
    await service?.close();
    logger.info('drained');
  });
  try {
    service = await start();
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    process.exitCode = 1;
    throw error;
  }
}
