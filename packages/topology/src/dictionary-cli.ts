// Writes docs/data-dictionary.md from the topology and the contracts.
import { writeFileSync } from 'node:fs';
import { dataDictionary } from './dictionary.js';
import { topology } from './topology.js';

const out = process.argv[2] ?? 'docs/data-dictionary.md';
writeFileSync(out, dataDictionary(topology));
console.log(`data dictionary written to ${out}`);
