import type { PubSub } from '@google-cloud/pubsub';
import { RunCompleted, compileValidator, describeIssues } from '@mine/contracts';
import { Publisher } from './pubsub.js';

const validator = compileValidator(RunCompleted);

/**
 * Tells the stages downstream of a batch job that a run finished and which
 * tables it changed (`pipeline-runs`): the trigger of the quality gate, so
 * downstream work follows upstream completion rather than a clock offset.
 * Resolves once Pub/Sub stored the message; a failure fails the job, and
 * the job's next run announces the tables again.
 */
export class RunAnnouncer {
  private readonly publisher: Publisher;

  constructor(pubsub: PubSub, topic = 'pipeline-runs') {
    this.publisher = new Publisher(pubsub, topic, { maxMilliseconds: 5 });
  }

  async announce(message: RunCompleted): Promise<void> {
    const result = validator.validate(message);
    if (!result.ok) throw new Error(`run-completed message refused: ${describeIssues(result.issues)}`);
    await this.publisher.publish({ data: message, attributes: { job: message.job, status: message.status } });
  }
}
