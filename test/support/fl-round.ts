/** The federated tests' round input: round 1 of a task, from its initial model. */
import type { RoundInput, Submission } from '../../federated/aggregation'
import type { RiskTask } from '../../federated/task'

export function firstRoundInput(task: RiskTask, submissions: readonly Submission[]): RoundInput {
  return {
    taskId: task.taskId,
    round: 1,
    layout: task.layout,
    base: task.initialModel,
    submissions,
    validation: task.validation,
    rule: task.rule,
  }
}
