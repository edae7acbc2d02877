// InvocationContext's log calls, into the local host's JSON log lines.
import type { LogHandler } from '@azure/functions';
import type { Logger, LogLevel } from '@proxima/local-node/log';

const LEVELS: Readonly<Record<string, LogLevel>> = {
  trace: 'debug',
  debug: 'debug',
  information: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'error',
};

export function contextLogHandler(log: Logger, functionName: string): LogHandler {
  return (level, ...args) => {
    log(LEVELS[level] ?? 'info', 'functions.log', {
      function: functionName,
      message: args.map((a) => (a instanceof Error ? (a.stack ?? a.message) : String(a))).join(' '),
    });
  };
}
