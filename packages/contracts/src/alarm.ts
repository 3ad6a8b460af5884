import { Type, type Static } from '@sinclair/typebox';

export const AlarmLevel = Type.Union(
  [Type.Literal('green'), Type.Literal('yellow'), Type.Literal('orange'), Type.Literal('red')],
  { description: 'trigger-action-response-plan level' },
);
export type AlarmLevel = Static<typeof AlarmLevel>;

export const AlarmState = Type.Union([
  Type.Literal('ACTIVE_UNACK'),
  Type.Literal('ACTIVE_ACK'),
  Type.Literal('CLEARED_UNACK'),
  Type.Literal('CLEARED_ACK'),
]);
export type AlarmState = Static<typeof AlarmState>;

/** One alarm transition, published to `alerts` and kept in ops.alarm_transitions. */
export const AlarmTransition = Type.Object(
  {
    transitionId: Type.String({ description: 'unique per transition; the dedupe key downstream' }),
    alarmId: Type.String(),
    ruleId: Type.String({ description: 'which rule raised it' }),
    subject: Type.String({ description: 'what it is about: a sensor, a zone or a machine' }),
    site: Type.String(),
    zone: Type.Optional(Type.String()),
    level: AlarmLevel,
    state: AlarmState,
    previousState: Type.Optional(AlarmState),
    message: Type.String(),
    count: Type.Integer({ minimum: 1, description: 'how often the condition was seen while active' }),
    firstSeenAt: Type.String({ format: 'date-time' }),
    lastSeenAt: Type.String({ format: 'date-time' }),
    transitionAt: Type.String({ format: 'date-time' }),
    actor: Type.Optional(Type.String({ description: 'who acknowledged, if a person did', sensitivity: 'pseudonymised' })),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'rule-specific evidence' })),
  },
  { additionalProperties: false, $id: 'AlarmTransition' },
);
export type AlarmTransition = Static<typeof AlarmTransition>;
