// The contract every `lanewatch <command>` module fulfils. cli/main.ts dispatches to them.
export interface CliCommand {
  name: string;
  /** One line for `lanewatch --help`. */
  summary: string;
  /** The full `--help` text of the command. */
  usage: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(args: string[]): Promise<number>;
}
