/**
 * What a bench module does when it is run on its own (`npx tsx bench/<name>.ts`) instead of through
 * bench/main.ts: it prints its lines, then its figures as one JSON line. A failure, or a result that
 * `failed` rejects (a missed target), sets exit code 1.
 */
export type Bench = (log: (line: string) => void) => Promise<Record<string, number>>;

export function runStandalone(
  run: Bench,
  failed: (figures: Record<string, number>) => boolean = () => false,
): void {
  run((line) => console.log(line)).then(
    (figures) => {
      console.log(JSON.stringify(figures));
      if (failed(figures)) process.exitCode = 1;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
