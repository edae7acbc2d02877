/** Structured one-line JSON logs on stderr: easy to read, easy to grep, easy for tests to parse. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type Logger = (level: LogLevel, event: string, fields?: Record<string, unknown>) => void;

export function jsonLogger(write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  return (level, event, fields = {}) => {
    write(`${JSON.stringify({ t: new Date().toISOString(), level, event, ...fields })}\n`);
  };
}

export const silentLogger: Logger = () => undefined;
