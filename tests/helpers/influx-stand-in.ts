// A stand-in InfluxDB for the store's fault tests: a state a real influxd cannot be put in on
// demand (writes that never end, or end when the test says). It answers /ping and /query (the
// database list: `lanewatch`) as influxd does and hands every write to the test; while `down()`
// is true it refuses everything with 503, as a proxy in front of a stopped influxd would. A test
// may answer queries itself (`onQuery`: statements that never answer, or answer as a database
// holding data would); those it leaves get the database list.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface InfluxStandIn {
  url: string;
  close(): Promise<void>;
}

/** Reads a write's whole body (line protocol), then calls `done` with it. */
export function readBody(req: IncomingMessage, done: (body: string) => void): void {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => done(body));
}

/** Answers one InfluxQL statement (`q`, from the URL or the form body) and returns true, or returns false to leave it. */
export type QueryAnswer = (statement: string, req: IncomingMessage, res: ServerResponse) => boolean;

/** The database list InfluxDB answers to `SHOW DATABASES`: `lanewatch` only. */
function answerDatabases(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ results: [{ statement_id: 0, series: [{ name: 'databases', columns: ['name'], values: [['lanewatch']] }] }] }));
}

export async function startInfluxStandIn(
  onWrite: (req: IncomingMessage, res: ServerResponse) => void,
  down: () => boolean = () => false,
  onQuery?: QueryAnswer,
): Promise<InfluxStandIn> {
  const server = createServer((req, res) => {
    if (down()) {
      req.resume();
      res.writeHead(503).end();
    } else if (req.url?.startsWith('/ping')) {
      res.writeHead(204).end();
    } else if (req.url?.startsWith('/query')) {
      if (onQuery) {
        readBody(req, (body) => {
          const statement = new URLSearchParams(body).get('q') ?? new URL(req.url ?? '/', 'http://stand-in').searchParams.get('q') ?? '';
          if (!onQuery(statement, req, res)) answerDatabases(res);
        });
      } else {
        answerDatabases(res);
      }
    } else {
      onWrite(req, res);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return {
    url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
