export interface InfluxdDataSettings {
  /** `[data] index-version`: `inmem` (InfluxDB's default) or `tsi1` (the index on disk). */
  indexVersion?: 'inmem' | 'tsi1';
  /** `[data] max-series-per-database` (InfluxDB's default 1,000,000; 0: no limit). */
  maxSeriesPerDatabase?: number;
  /** `[data] max-values-per-tag` (default 100,000; 0: no limit). */
  maxValuesPerTag?: number;
}

export function influxdConfig(options: {
  dir: string;
  httpPort: number;
  bindPort: number;
  /** `[http] auth-enabled`; default false. */
  authEnabled?: boolean;
  data?: InfluxdDataSettings;
}): string;

export const influxdSubdirs: readonly string[];

export function influxdAnswers(url: string): Promise<boolean>;
