/**
 * Which sections `npm run bench` runs: those named on the command line (`npm run bench -- engine`), else those in
 * ROTOR_BENCH (`ROTOR_BENCH=engine,construct`), else all of them; always in the order of `names`.
 */
export function selectSections(
  names: readonly string[],
  args: readonly string[],
  env: string | undefined,
): string[] {
  const asked = (args.length > 0 ? args : (env ?? "").split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const unknown = asked.filter((a) => !names.includes(a));
  if (unknown.length > 0) {
    throw new Error(
      `unknown bench section ${unknown.map((u) => `"${u}"`).join(", ")}${args.length > 0 ? "" : " in ROTOR_BENCH"}: the sections are ${names.join(", ")}; run e.g. \`npm run bench -- engine\` or \`ROTOR_BENCH=engine npm run bench\``,
    );
  }
  return asked.length > 0 ? names.filter((n) => asked.includes(n)) : [...names];
}
