import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fc, fuzzSurface } from '@mine/testkit';
import { IssueEventInput, MachineryIssueEvent, compileValidator, describeIssues } from './index.js';

const issueValidator = compileValidator(MachineryIssueEvent);
const inputValidator = compileValidator(IssueEventInput);

/** JSON shaped like an event, with each field sometimes wrong, and arbitrary JSON and text. */
const eventLike = fc.record(
  {
    eventId: fc.oneof(fc.uuid(), fc.string()),
    issueId: fc.oneof(fc.string({ maxLength: 40 }), fc.integer()),
    type: fc.oneof(fc.constantFrom('created', 'updated', 'resolved'), fc.string()),
    occurredAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
    machineId: fc.string({ maxLength: 2000 }),
    siteId: fc.string(),
    severity: fc.oneof(fc.constantFrom('low', 'medium', 'high', 'critical'), fc.string()),
    description: fc.string({ maxLength: 5000 }),
  },
  { requiredKeys: [] },
);
const messages = fc.oneof(fc.json({ maxDepth: 5 }), eventLike.map((e) => JSON.stringify(e)), fc.string({ maxLength: 300 }), fc.dictionary(fc.string({ maxLength: 3000 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 30 }).map((d) => JSON.stringify(d)));

/** What a subscriber does with a message body: parse, then validate; a refusal's reason becomes a dead-letter attribute. */
function refusalOf(text: string, validator: typeof issueValidator | typeof inputValidator): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'invalid_json';
  }
  const result = validator.validate(body);
  return result.ok ? undefined : describeIssues(result.issues);
}

test('machinery-issues messages: any bytes are an event or refused with a bounded reason, never a crash', async () => {
  await fuzzSurface('machinery-issues message', messages, (text) => {
    const reason = refusalOf(text, issueValidator);
    if (reason !== undefined) assert.ok(reason.length <= 1001, `reason of ${reason.length} characters`);
  }, 3000);
});

test('mobile-app events: any body is an event input or refused with a bounded reason (what the API validates before anything else)', async () => {
  await fuzzSurface('mobile-app event body (contract)', messages, (text) => {
    const reason = refusalOf(text, inputValidator);
    if (reason !== undefined) assert.ok(reason.length <= 1001, `reason of ${reason.length} characters`);
  }, 3000);
});
