// Logs a test reads back: a pino logger whose lines are kept parsed (`captureLog`), or a
// stream for a logger built elsewhere, e.g. cli/logger.ts `createLogger` (`logSink`).
import { Writable } from 'node:stream';
import { pino, type Level, type Logger } from 'pino';

/** One JSON log line. */
export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface LogSink {
  stream: Writable;
  /** Everything written so far. */
  text(): string;
  /** Every line written so far, parsed. */
  lines(): LogLine[];
}

/** A stream that keeps what a logger writes to it. */
export function logSink(): LogSink {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    stream,
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as LogLine),
  };
}

/** A pino logger at `level` (default debug) and the lines it has written, parsed as they come. */
export function captureLog(level: Level = 'debug'): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { log, lines };
}
