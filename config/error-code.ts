// The code a Node error carries (`ENOENT`, `EADDRINUSE`, …), read in one place: the server, the
// collector and the CLI all decide on it. Here, beside the other foundations both sides import.

/** Node's error code (a string), when `err` carries one; any object counts, not only an Error. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}
