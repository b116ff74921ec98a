import { Wallet } from 'ethers'

import { DonConfigError } from '../../script/don/errors'
import { nodesFromKeyring } from '../../script/don/local-don'

describe("matching the DON's keys to the Coordinator's OCR config", () => {
  const keys = Array.from({ length: 4 }, () => Wallet.createRandom().privateKey)
  const address = (k: string): string => new Wallet(k).address

  test('each node gets the keys of its on-chain signer and transmitter, in config order', () => {
    const config = {
      signers: [address(keys[2] as string), address(keys[0] as string)],
      transmitters: [address(keys[1] as string), address(keys[3] as string)],
    }
    expect(nodesFromKeyring(config, keys)).toEqual([
      { signerKey: keys[2], transmitterKey: keys[1] },
      { signerKey: keys[0], transmitterKey: keys[3] },
    ])
  })

  test('addresses match whatever their letter case', () => {
    const config = {
      signers: [address(keys[0] as string).toLowerCase()],
      transmitters: [address(keys[1] as string).toLowerCase()],
    }
    expect(nodesFromKeyring(config, keys)).toHaveLength(1)
  })

  test('a signer or transmitter without a key is a configuration error naming it', () => {
    const stranger = Wallet.createRandom().address
    expect(() =>
      nodesFromKeyring({ signers: [stranger], transmitters: [address(keys[0] as string)] }, keys),
    ).toThrow(new DonConfigError(`node 0: no key in the keyring for signer ${stranger}`))
    expect(() =>
      nodesFromKeyring({ signers: [address(keys[0] as string)], transmitters: [stranger] }, keys),
    ).toThrow(DonConfigError)
  })
})
