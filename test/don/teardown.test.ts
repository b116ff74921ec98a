import { Teardown } from '../../script/local/teardown'

describe('Teardown', () => {
  test('runs every step once, last added first, even after a failure', async () => {
    const order: string[] = []
    const t = new Teardown()
    t.add('a', async () => order.push('a'))
    t.add('b', async () => {
      order.push('b')
      throw new Error('b broke')
    })
    t.add('c', async () => order.push('c'))
    const failures = await t.run()
    expect(order).toEqual(['c', 'b', 'a'])
    expect(failures).toEqual(['b: b broke'])
    // A second call (e.g. SIGINT during shutdown) does not run the steps again.
    expect(await t.run()).toEqual(['b: b broke'])
    expect(order).toHaveLength(3)
  })

  test('a step that hangs is cut off by the step timeout', async () => {
    const t = new Teardown(50)
    let after = false
    t.add('after', async () => {
      after = true
    })
    t.add('hangs', () => new Promise(() => undefined))
    expect(await t.run()).toEqual(['hangs: timed out'])
    expect(after).toBe(true)
  })
})
