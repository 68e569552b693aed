// Types of bin/runtime.js (plain JavaScript: it runs before anything is compiled or loaded).
export declare const sourceDirs: readonly string[];
export declare const watchedDirs: readonly string[];
export declare const buildInfoFile: string;
export declare const runtimeModes: readonly string[];
export interface RuntimeFacts {
  mode: string | undefined;
  compiledBuiltAtMs: number | undefined;
  newestSourceMs: number | undefined;
  tsxInstalled: boolean;
}
export interface RuntimeChoice {
  kind: 'compiled' | 'source' | 'none';
  warning?: string;
  error?: string;
}
export declare function chooseRuntime(facts: RuntimeFacts): RuntimeChoice;
export declare function builtAtMs(distDir: string): number | undefined;
export declare function newestSourceMs(rootDir: string): number | undefined;
