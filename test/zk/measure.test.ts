/** The bench's gas arithmetic: execution gas = gasUsed - 21,000 - EIP-2028 calldata gas. */
import { calldataGas } from '../../zk/src/measure'

describe('calldataGas', () => {
  it('charges 16 gas per non-zero byte and 4 per zero byte', () => {
    expect(calldataGas('0x')).toBe(0)
    expect(calldataGas('0x00ff0001')).toBe(4 + 16 + 4 + 16)
    expect(calldataGas(`0x${'00'.repeat(32)}${'01'.repeat(32)}`)).toBe(32 * 4 + 32 * 16)
  })
})
