/**
 * The CLI's hand-written registry ABI (script/registry/abi.ts) against the compiled contracts: every
 * entry exists in ModelRegistry with the same signature and return types, and every function, event
 * and error of IModelRegistry is in it. A change to the Solidity that the CLI does not follow fails
 * here.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { Interface, type Fragment } from 'ethers'

import { forgeBuild, readArtifact } from '../../script/local/forge-artifacts'
import { REPO_ROOT } from '../../script/local/repo-root'
import { MODEL_REGISTRY_ABI, registryInterface, REGISTRY_STATUS } from '../../script/registry/abi'

jest.setTimeout(600_000)

let compiled: Interface
let declared: Interface

beforeAll(async () => {
  await forgeBuild(['contracts/ModelRegistry.sol'], 600_000)
  compiled = new Interface(readArtifact('ModelRegistry.sol', 'ModelRegistry').abi)
  declared = new Interface(readArtifact('IModelRegistry.sol', 'IModelRegistry').abi)
})

/** A fragment without parameter names: kind, name, types, indexed, mutability, return types. */
const shape = (f: Fragment): string => f.format('minimal')
const named = (fragments: readonly Fragment[]): Fragment[] =>
  fragments.filter((f) => f.type === 'function' || f.type === 'event' || f.type === 'error')

describe('script/registry/abi.ts', () => {
  it('has every entry in the compiled ModelRegistry, with the same shape', () => {
    const compiledShapes = new Set(named(compiled.fragments).map(shape))
    const missing = registryInterface.fragments.filter((f) => !compiledShapes.has(shape(f)))
    expect(missing.map((f) => f.format('minimal'))).toEqual([])
    expect(registryInterface.fragments).toHaveLength(MODEL_REGISTRY_ABI.length)
  })

  it('covers every function, event and error of IModelRegistry', () => {
    const ours = new Set(registryInterface.fragments.map(shape))
    const uncovered = named(declared.fragments).filter((f) => !ours.has(shape(f)))
    expect(uncovered.map((f) => f.format('minimal'))).toEqual([])
    expect(declared.fragments.length).toBeGreaterThan(40)
  })

  it('names the statuses in the order of IModelRegistry.Status', () => {
    // The enum is not in the ABI (it is a uint8 there): read its declaration.
    const source = readFileSync(
      join(REPO_ROOT, 'contracts', 'interfaces', 'IModelRegistry.sol'),
      'utf8',
    )
    const body = /enum Status \{([^}]*)\}/.exec(source)?.[1] ?? ''
    expect(body.split(',').map((s) => s.trim())).toEqual([...REGISTRY_STATUS])
  })
})
