import { DEFAULT_JOB_RUN_ID, functionsJobRunId, jobRunIdOf } from '../../protocol/job-run-id'

describe('job run ids', () => {
  it('echoes a string id, a finite number as its decimal text, else "1"', () => {
    expect(jobRunIdOf({ id: 'run-7' })).toBe('run-7')
    expect(jobRunIdOf({ id: '' })).toBe('')
    expect(jobRunIdOf({ id: 42 })).toBe('42')
    expect(jobRunIdOf({ id: 1.5 })).toBe('1.5')
    for (const body of [{ id: Infinity }, { id: null }, { id: {} }, {}, null, 'x', [1], 3]) {
      expect(jobRunIdOf(body)).toBe(DEFAULT_JOB_RUN_ID)
    }
    expect(DEFAULT_JOB_RUN_ID).toBe('1')
  })

  it('the Functions job run id is "fn-" and the first 16 hex digits of the input hash', () => {
    expect(functionsJobRunId(`0x${'cd'.repeat(32)}`)).toBe(`fn-${'cd'.repeat(8)}`)
    expect(functionsJobRunId(`0x0123456789abcdef${'0'.repeat(48)}`)).toBe('fn-0123456789abcdef')
  })
})
