import type { Scenario } from '../scenario.js';
import { b1, b2 } from './b1-bigquery-down.js';
import { d1, d3 } from './d-postgres.js';
import { g1, g2 } from './g-storage.js';
import { k1 } from './k1-gateway-killed.js';
import { k3 } from './k3-evaluator-killed-dispatching.js';
import { k4 } from './k4-mobile-api-killed.js';
import { l1, l2 } from './l-late.js';
import { c1, k2, k5 } from './lake.js';
import { m1 } from './m1-resolved-before-created.js';
import { p1 } from './p1-pubsub-stopped.js';
import { p2 } from './p2-pubsub-half-open.js';
import { r1 } from './r1-evaluator-replicas.js';
import { s1, s2, s3 } from './s-sequences.js';
import { w1, w2 } from './w-webhook.js';

/** Every scenario built, in the order; adding one is a file and a line here (see chaos/README.md). */
export const scenarios: Scenario[] = [k1, k2, k3, k4, k5, p1, p2, b1, b2, g1, g2, d1, d3, w1, w2, r1, c1, l1, l2, s1, s2, s3, m1];
