import { Type, type Static } from '@sinclair/typebox';

export const IssueSeverity = Type.Union(
  [Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')],
  { description: 'how badly the machine is affected' },
);
export type IssueSeverity = Static<typeof IssueSeverity>;

export const IssueStatus = Type.Union([
  Type.Literal('open'),
  Type.Literal('in_progress'),
  Type.Literal('resolved'),
]);
export type IssueStatus = Static<typeof IssueStatus>;

export const IssueEventType = Type.Union([
  Type.Literal('created'),
  Type.Literal('updated'),
  Type.Literal('resolved'),
  Type.Literal('reopened'),
]);
export type IssueEventType = Static<typeof IssueEventType>;

/**
 * One machinery-issue event as published to `machinery-issues` and landed in
 * raw_mobile.machinery_issue_events. Free text is already PII-masked and the
 * reporter pseudonymised when it is published.
 */
export const MachineryIssueEvent = Type.Object(
  {
    eventId: Type.String({ format: 'uuid', description: 'client-generated; the idempotency key' }),
    issueId: Type.String({ minLength: 1, maxLength: 64, description: 'the issue this event belongs to' }),
    type: IssueEventType,
    occurredAt: Type.String({ format: 'date-time', description: 'when the crew recorded it on the device' }),
    receivedAt: Type.String({ format: 'date-time', description: 'when the API accepted it' }),
    machineId: Type.String({ minLength: 1, maxLength: 64 }),
    siteId: Type.String({ minLength: 1, maxLength: 64 }),
    severity: IssueSeverity,
    status: IssueStatus,
    title: Type.Optional(Type.String({ maxLength: 200, sensitivity: 'internal' })),
    description: Type.Optional(Type.String({ maxLength: 4000, sensitivity: 'internal' })),
    notes: Type.Optional(Type.String({ maxLength: 4000, sensitivity: 'internal', description: 'free text, PII-masked' })),
    assignee: Type.Optional(Type.String({ maxLength: 128, sensitivity: 'pseudonymised' })),
    reporter: Type.String({ description: 'pseudonymised reporter id', sensitivity: 'pseudonymised' }),
  },
  { additionalProperties: false, $id: 'MachineryIssueEvent' },
);
export type MachineryIssueEvent = Static<typeof MachineryIssueEvent>;

/** What the mobile app sends for one event; the API adds receivedAt, reporter and the carried-forward state. */
export const IssueEventInput = Type.Object(
  {
    eventId: Type.String({ format: 'uuid', description: 'generated on the device; resending it is recognised as a duplicate' }),
    issueId: Type.String({ minLength: 1, maxLength: 64 }),
    type: IssueEventType,
    occurredAt: Type.String({ format: 'date-time' }),
    machineId: Type.String({ minLength: 1, maxLength: 64 }),
    siteId: Type.String({ minLength: 1, maxLength: 64 }),
    severity: Type.Optional(IssueSeverity),
    status: Type.Optional(IssueStatus),
    title: Type.Optional(Type.String({ maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    notes: Type.Optional(Type.String({ maxLength: 4000 })),
    assignee: Type.Optional(Type.String({ maxLength: 128, description: 'user id of the person assigned' })),
  },
  { additionalProperties: false },
);
export type IssueEventInput = Static<typeof IssueEventInput>;
