import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, ValueErrorType, type TypeCheck, type ValueError } from '@sinclair/typebox/compiler';
import { checkTimestamp } from './timestamp.js';

/** One reason a value failed its contract, addressed by JSON pointer. */
export interface ContractIssue {
  path: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; issues: ContractIssue[] };

/** A compiled validator for one contract; compile once, call per message. */
export interface Validator<T extends TSchema> {
  readonly schema: T;
  check(value: unknown): value is Static<T>;
  validate(value: unknown): ValidationResult<Static<T>>;
}

export function compileValidator<T extends TSchema>(schema: T, maxIssues = 20): Validator<T> {
  const compiled: TypeCheck<T> = TypeCompiler.Compile(schema);
  return {
    schema,
    check: (value): value is Static<T> => compiled.Check(value),
    validate(value) {
      if (compiled.Check(value)) return { ok: true, value };
      const issues: ContractIssue[] = [];
      for (const error of compiled.Errors(value)) {
        issues.push({ path: error.path || '/', message: explain(error) });
        if (issues.length >= maxIssues) break;
      }
      return { ok: false, issues };
    },
  };
}

/** Formats issues into one line, for dead-letter attributes and HTTP reasons. */
export function describeIssues(issues: ContractIssue[], maxLength = 1000): string {
  const text = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  // Paths carry the sender's property names: the answer must not grow with them.
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}

/** A date-time that fails its format says why (2026-11-31 is not a calendar date), not only that it failed. */
function explain(error: ValueError): string {
  if (error.type !== ValueErrorType.StringFormat || error.schema.format !== 'date-time' || typeof error.value !== 'string') return error.message;
  const result = checkTimestamp(error.value);
  return result.ok ? error.message : `${error.message}: ${result.problem}`;
}
