/**
 * Which network addresses image fetches may reach. Only public unicast addresses pass: private,
 * loopback, link-local (cloud metadata 169.254.169.254 included), carrier-grade NAT, unique-local,
 * multicast, reserved, unspecified, and IPv6 forms that embed IPv4 (mapped, 6to4, Teredo, NAT64) are
 * refused unless an allow-list range contains them. IPv4-mapped IPv6 addresses are judged as the
 * IPv4 address they carry.
 */
import ipaddr from 'ipaddr.js'

export type ParsedRange = [ipaddr.IPv4 | ipaddr.IPv6, number]

export class AddressPolicy {
  private readonly allow: ParsedRange[]

  /** `allowList`: IPs or CIDR ranges (e.g. `127.0.0.1/32`, `10.0.0.0/8`, `::1`). */
  constructor(allowList: readonly string[]) {
    this.allow = allowList.map((entry) => {
      if (entry.includes('/')) return normaliseRange(ipaddr.parseCIDR(entry))
      const ip = normalise(ipaddr.parse(entry))
      return [ip, ip.kind() === 'ipv4' ? 32 : 128] as ParsedRange
    })
  }

  /** Throws on a malformed entry (used to validate configuration). */
  static check(allowList: readonly string[]): void {
    new AddressPolicy(allowList)
  }

  /** Why `address` is refused, or undefined when it may be reached. */
  refusal(address: string): string | undefined {
    if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`
    const ip = normalise(ipaddr.parse(address))
    for (const [net, bits] of this.allow) {
      if (net.kind() === ip.kind() && ip.match(net, bits)) return undefined
    }
    const range = ip.range()
    return range === 'unicast' ? undefined : `address ${ip.toString()} is ${range}`
  }
}

function normalise(ip: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (ip as ipaddr.IPv6).toIPv4Address()
  }
  return ip
}

function normaliseRange([ip, bits]: ParsedRange): ParsedRange {
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(ip as ipaddr.IPv6).toIPv4Address(), bits - 96]
  }
  return [ip, bits]
}
