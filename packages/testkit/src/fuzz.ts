import fc from 'fast-check';

export { fc };

/**
 * Runs a property over generated inputs of one input surface and prints how
 * many were tried, in a line docs/security.md quotes:
 *   fuzz surface=<name> inputs=<n> failures=0
 * A failing input fails the test with fast-check's shrunk counterexample.
 */
export async function fuzzSurface<T>(surface: string, input: fc.Arbitrary<T>, property: (value: T) => void | Promise<void>, numRuns = 500): Promise<number> {
  let inputs = 0;
  await fc.assert(
    fc.asyncProperty(input, async (value) => {
      inputs += 1;
      await property(value);
    }),
    { numRuns, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
  );
  console.log(`fuzz surface=${surface} inputs=${inputs} failures=0`);
  return inputs;
}
