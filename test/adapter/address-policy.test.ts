import { AddressPolicy } from '../../adapter/src/input/address-policy'

describe('image fetch address policy', () => {
  const strict = new AddressPolicy([])

  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['::1', 'loopback'],
    ['fe80::1', 'linkLocal'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['2002:7f00:1::', '6to4'],
    ['64:ff9b::7f00:1', 'rfc6052'],
  ])('refuses %s (%s)', (address, range) => {
    expect(strict.refusal(address)).toMatch(new RegExp(`is ${range}$`))
  })

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'allows public %s',
    (address) => {
      expect(strict.refusal(address)).toBeUndefined()
    },
  )

  it('allow-list entries open exactly their range, for IPv4 also in mapped IPv6 form', () => {
    const policy = new AddressPolicy(['127.0.0.1/32', '10.0.0.0/8', '::1'])
    expect(policy.refusal('127.0.0.1')).toBeUndefined()
    expect(policy.refusal('::ffff:127.0.0.1')).toBeUndefined()
    expect(policy.refusal('10.200.0.1')).toBeUndefined()
    expect(policy.refusal('::1')).toBeUndefined()
    expect(policy.refusal('127.0.0.2')).toMatch(/loopback/)
    expect(policy.refusal('192.168.0.1')).toMatch(/private/)
  })

  it('rejects malformed allow-list entries and non-addresses', () => {
    expect(() => AddressPolicy.check(['not-an-ip'])).toThrow()
    expect(() => AddressPolicy.check(['10.0.0.0/33'])).toThrow()
    expect(strict.refusal('example.com')).toMatch(/not an IP address/)
  })
})
