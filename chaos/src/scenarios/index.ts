import type { Scenario } from '../scenario.js';
import { k1 } from './k1-gateway-killed.js';

/** Every scenario, in the order of the issue; adding one is a file and a line here (see chaos/README.md). */
export const scenarios: Scenario[] = [k1];
