import type { LoggerService } from '@nestjs/common';
import { instanceName, type HomeserverConfig } from '@chat/config';
import pino, { type DestinationStream, type Logger } from 'pino';

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** `log.format: text`: one readable line per record for terminals, still every field. */
function textStream(out: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      const { time, level, msg, pid: _pid, hostname: _host, ...fields } = JSON.parse(line);
      const extra = Object.entries(fields)
        .map(
          ([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`,
        )
        .join(' ');
      out.write(`${time} ${LEVEL_NAMES[level] ?? level} ${msg ?? ''}${extra ? ` ${extra}` : ''}\n`);
    },
  };
}

/** The process logger: pino JSON lines on standard output (or `log.path`), per `config.log`. */
export function createLogger(config: HomeserverConfig): Logger {
  const destination = pino.destination({ dest: config.log.path ?? 1, mkdir: true, sync: true });
  return pino(
    {
      level: config.log.level,
      base: { instance: instanceName(config) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    config.log.format === 'text' ? textStream(destination) : destination,
  );
}

// One logger per config object, so that `PlatformModule.forRoot(config)` and `bootstrapHttp`
// (which may be handed a logger of its own) share it.
const loggers = new WeakMap<HomeserverConfig, Logger>();

export function loggerFor(config: HomeserverConfig): Logger {
  let logger = loggers.get(config);
  if (!logger) {
    logger = createLogger(config);
    loggers.set(config, logger);
  }
  return logger;
}

export function useLoggerFor(config: HomeserverConfig, logger: Logger): void {
  loggers.set(config, logger);
}

/** Nest's own messages into pino. Its `log` level (route mapping, start-up) is debug detail. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  error(message: unknown, stackOrContext?: string, context?: string): void {
    this.logger.error(
      { context: context ?? stackOrContext, stack: context ? stackOrContext : undefined },
      String(message),
    );
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
  fatal(message: unknown, context?: string): void {
    this.logger.fatal({ context }, String(message));
  }
}
