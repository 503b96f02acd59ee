// `npm run bench`: every figure the issues name, in one run, so ratios compare like with like on a noisy machine.
import * as catalog from "./catalog";
import * as check from "./check";
import * as construct from "./construct";
import * as recycler from "./recycler";
import * as startup from "./startup";

const sections: [string, (log: (line: string) => void) => Promise<Record<string, number>>][] = [
  ["catalog", catalog.run],
  ["construct", construct.run],
  ["recycler", recycler.run],
  ["check", check.run],
  ["startup", startup.run],
];

async function main(): Promise<void> {
  const all: Record<string, Record<string, number>> = {};
  for (const [name, run] of sections) {
    console.log(`\n== ${name} ==`);
    all[name] = await run((line) => console.log(line));
  }
  console.log("\n== figures (JSON) ==");
  console.log(JSON.stringify(all, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
