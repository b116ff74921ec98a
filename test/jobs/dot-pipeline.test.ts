import {
  checkPipeline,
  parsePipeline,
  PipelineGraphError,
  PipelineSyntaxError,
  topologicalOrder,
  variableReferences,
} from '../../script/jobs/dot-pipeline'

describe('parsePipeline', () => {
  it('reads tasks with quoted, bare and multi-line attributes and edge chains', () => {
    const p = parsePipeline(`
      // a comment
      a [type="http" method=GET
         url="$(jobRun.meta)"]
      b [type=jsonparse path="x,y", data="$(a)"]  # another comment
      c [type="ethabiencode" data="{\\"k\\": $(b)}"]
      a -> b -> c
    `)
    expect([...p.tasks.keys()]).toEqual(['a', 'b', 'c'])
    expect(p.tasks.get('a')).toEqual({
      name: 'a',
      type: 'http',
      params: { method: 'GET', url: '$(jobRun.meta)' },
    })
    expect(p.tasks.get('b')?.params).toEqual({ path: 'x,y', data: '$(a)' })
    expect(p.tasks.get('c')?.params.data).toBe('{"k": $(b)}')
    expect(p.edges).toEqual([
      ['a', 'b'],
      ['b', 'c'],
    ])
  })

  it('reports the line of a syntax error', () => {
    expect(() => parsePipeline('a [type="x"]\nb [type="y" data=]\n')).toThrow(
      new PipelineSyntaxError('expected a value for data', 2),
    )
    expect(() => parsePipeline('a [type="x" data="open\n')).toThrow(/unterminated string/)
    expect(() => parsePipeline('a [data="x"]')).toThrow(/task a has no type/)
    expect(() => parsePipeline('a [type="x"]\na [type="y"]')).toThrow(/defined twice/)
  })

  it('rejects an edge to a task that is never defined', () => {
    expect(() => parsePipeline('a [type="x"]\na -> ghost')).toThrow(
      /ghost is used but never defined/,
    )
  })
})

describe('checkPipeline', () => {
  it('orders tasks after their parents', () => {
    const p = parsePipeline(`
      d [type="x" in="$(b) $(c)"]
      b [type="x" in="$(a)"]
      c [type="x" in="$(a.field)"]
      a [type="x" in="$(jobRun.logData)"]
      a -> b -> d
      a -> c -> d
    `)
    const order = checkPipeline(p)
    expect(order.indexOf('a')).toBeLessThan(order.indexOf('b'))
    expect(order.indexOf('b')).toBeLessThan(order.indexOf('d'))
    expect(order.indexOf('c')).toBeLessThan(order.indexOf('d'))
  })

  it('rejects a cycle', () => {
    const p = parsePipeline('a [type="x"]\nb [type="x"]\nc [type="x"]\na -> b -> c -> a')
    expect(() => topologicalOrder(p)).toThrow(PipelineGraphError)
    expect(() => checkPipeline(p)).toThrow(/cycle through: a, b, c/)
  })

  it('rejects a variable naming no task', () => {
    const p = parsePipeline('a [type="x" data="$(nothing.here)"]')
    expect(() => checkPipeline(p)).toThrow(/\$\(nothing.here\) names no task/)
  })

  it('rejects a variable of a task that does not run before', () => {
    const p = parsePipeline('a [type="x"]\nb [type="x" data="$(c)"]\nc [type="x"]\na -> b\na -> c')
    expect(() => checkPipeline(p)).toThrow(/refers to c, which does not run before b/)
  })

  it('rejects unknown built-ins and keypaths deeper than two', () => {
    expect(() => checkPipeline(parsePipeline('a [type="x" d="$(jobRun.nope)"]'))).toThrow(
      /unknown built-in variable/,
    )
    expect(() =>
      checkPipeline(parsePipeline('a [type="x"]\nb [type="x" d="$(a.b.c)"]\na -> b')),
    ).toThrow(/malformed variable/)
  })

  it('finds every variable in a JSON template', () => {
    expect(variableReferences('{"a": $(x.y), "b": $( z )}')).toEqual(['x.y', 'z'])
  })
})
