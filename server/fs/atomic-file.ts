// Moved to config/atomic-file.ts, below the server and the collector (the collector's state
// files use it too, and the collector never imports from server/). This re-export keeps the
// server's importers working until they import from there.
export * from '../../config/atomic-file.ts';
