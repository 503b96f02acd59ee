// `npm run bench`: every figure the issues name, in one run, so ratios compare like with like on a noisy machine.
//   npm run bench [-- <section>...]   only those sections (also ROTOR_BENCH=<section>,...), e.g. `npm run bench -- engine`
import * as catalog from "./catalog";
import * as check from "./check";
import * as construct from "./construct";
import * as engine from "./engine";
import * as recycler from "./recycler";
import { selectSections } from "./select";
import * as startup from "./startup";

type Figures = Record<string, Record<string, number>>;

const SECTIONS: [
  string,
  (log: (line: string) => void, earlier: Figures) => Promise<Record<string, number>>,
][] = [
  ["catalog", catalog.run],
  ["construct", construct.run],
  ["recycler", recycler.run],
  ["check", check.run],
  ["startup", startup.run],
  // Last: it takes the longest, and reuses the construct section's mocks figures.
  ["engine", engine.run],
];

async function main(): Promise<void> {
  const selected = selectSections(
    SECTIONS.map(([name]) => name),
    process.argv.slice(2),
    process.env.ROTOR_BENCH,
  );
  const all: Figures = {};
  for (const [name, run] of SECTIONS) {
    if (!selected.includes(name)) continue;
    console.log(`\n== ${name} ==`);
    all[name] = await run((line) => console.log(line), all);
  }
  console.log("\n== figures (JSON) ==");
  console.log(JSON.stringify(all, null, 2));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
