/**
 * The SSRF corpus: image URLs an attacker could hand the adapter to make it reach inside the
 * operator's network. `direct` ones are sent as the image URL itself, to an adapter without an
 * allow-list and to one that allow-lists its loopback IPFS gateway (the allow-list must not open
 * loopback to anything but ipfs:// through that gateway); `redirected` ones are reached through a
 * 302 from the allow-listed gateway; `ipfsTraversal` ones try to leave the gateway's
 * `/ipfs/<cid>/` path. Loopback targets point at canary servers (port `p`); others (private,
 * link-local, metadata, CGNAT, ULA, multicast) are unroutable here and must be refused before any
 * connection is tried (quickly, with 403, rather than timing out).
 */

export interface HostileUrl {
  url: string
  why: string
}

/** Names in /etc/hosts (or the like) that resolve to loopback, besides `localhost`. */
export function direct(p: number, gatewayPort: number, loopbackNames: string[]): HostileUrl[] {
  return [
    { url: `http://127.0.0.1:${p}/a.jpg`, why: 'IPv4 loopback' },
    { url: `http://127.0.0.2:${p}/a.jpg`, why: 'another 127/8 address' },
    { url: `http://127.1:${p}/a.jpg`, why: 'shortened IPv4 (127.1)' },
    { url: `http://2130706433:${p}/a.jpg`, why: 'decimal IPv4' },
    { url: `http://0x7f000001:${p}/a.jpg`, why: 'hex IPv4' },
    { url: `http://0177.0.0.1:${p}/a.jpg`, why: 'octal IPv4' },
    { url: `http://0x7f.0.0.1:${p}/a.jpg`, why: 'mixed hex dotted IPv4' },
    { url: `http://[::1]:${p}/a.jpg`, why: 'IPv6 loopback' },
    { url: `http://[0:0:0:0:0:0:0:1]:${p}/a.jpg`, why: 'IPv6 loopback, long form' },
    { url: `http://[::ffff:127.0.0.1]:${p}/a.jpg`, why: 'IPv4-mapped IPv6 loopback' },
    { url: `http://[::ffff:7f00:1]:${p}/a.jpg`, why: 'IPv4-mapped IPv6 loopback, hex' },
    { url: `http://[64:ff9b::7f00:1]:${p}/a.jpg`, why: 'NAT64 of 127.0.0.1' },
    { url: `http://[2002:7f00:1::]:${p}/a.jpg`, why: '6to4 of 127.0.0.1' },
    { url: `http://0.0.0.0:${p}/a.jpg`, why: 'unspecified IPv4 (reaches the host on Linux)' },
    { url: `http://0:${p}/a.jpg`, why: 'unspecified IPv4, short' },
    { url: `http://[::]:${p}/a.jpg`, why: 'unspecified IPv6' },
    { url: `http://localhost:${p}/a.jpg`, why: 'hostname resolving to loopback' },
    { url: `http://LOCALHOST:${p}/a.jpg`, why: 'hostname resolving to loopback, upper case' },
    { url: `http://localhost.:${p}/a.jpg`, why: 'hostname resolving to loopback, trailing dot' },
    ...loopbackNames.map((n) => ({
      url: `http://${n}:${p}/a.jpg`,
      why: `hosts-file name ${n} -> loopback`,
    })),
    { url: `http://user:pw@127.0.0.1:${p}/a.jpg`, why: 'userinfo before a loopback host' },
    { url: `http://example.com@127.0.0.1:${p}/a.jpg`, why: 'host confusion via userinfo' },
    { url: `https://127.0.0.1:${p}/a.jpg`, why: 'https to loopback' },
    { url: 'http://169.254.169.254/latest/meta-data/', why: 'cloud metadata (AWS/GCP/Azure)' },
    { url: 'http://[fd00:ec2::254]/latest/meta-data/', why: 'AWS IPv6 metadata' },
    { url: 'http://[::ffff:169.254.169.254]/latest/meta-data/', why: 'metadata, IPv4-mapped' },
    { url: 'http://[::ffff:a9fe:a9fe]/latest/meta-data/', why: 'metadata, IPv4-mapped hex' },
    { url: 'http://2852039166/latest/meta-data/', why: 'metadata, decimal' },
    { url: 'http://10.0.0.1/a.jpg', why: 'private 10/8' },
    { url: 'http://172.16.0.1/a.jpg', why: 'private 172.16/12' },
    { url: 'http://192.168.1.1/a.jpg', why: 'private 192.168/16' },
    { url: 'http://100.64.0.1/a.jpg', why: 'carrier-grade NAT 100.64/10' },
    { url: 'http://[fc00::1]/a.jpg', why: 'IPv6 unique-local' },
    { url: 'http://[fe80::1]/a.jpg', why: 'IPv6 link-local' },
    { url: 'http://224.0.0.1/a.jpg', why: 'multicast' },
    { url: 'http://255.255.255.255/a.jpg', why: 'broadcast' },
    { url: `ftp://127.0.0.1:${p}/a.jpg`, why: 'ftp scheme' },
    { url: 'file:///etc/passwd', why: 'file scheme' },
    { url: `gopher://127.0.0.1:${p}/_GET`, why: 'gopher scheme' },
    { url: 'data:image/jpeg;base64,/9j/4AAQ', why: 'data scheme' },
    { url: 'javascript:alert(1)', why: 'javascript scheme' },
    {
      url: 'ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/a.jpg',
      why: `ipfs:// through a gateway on loopback (127.0.0.1:${gatewayPort}), not allow-listed`,
    },
  ]
}

/** Targets reached through a redirect from the (allow-listed) gateway on 127.0.0.1. */
export function redirected(p: number): HostileUrl[] {
  return [
    { url: `http://127.0.0.2:${p}/a.jpg`, why: 'redirect to another 127/8 address' },
    { url: `http://0x7f000002:${p}/a.jpg`, why: 'redirect to hex 127.0.0.2' },
    { url: `http://[::1]:${p}/a.jpg`, why: 'redirect to IPv6 loopback' },
    { url: `http://[::ffff:127.0.0.2]:${p}/a.jpg`, why: 'redirect to IPv4-mapped 127.0.0.2' },
    { url: 'http://169.254.169.254/latest/meta-data/', why: 'redirect to cloud metadata' },
    { url: 'http://10.0.0.1/a.jpg', why: 'redirect to private 10/8' },
    { url: 'http://[fc00::1]/a.jpg', why: 'redirect to IPv6 unique-local' },
    { url: 'file:///etc/passwd', why: 'redirect to the file scheme' },
  ]
}

/** http(s) URLs at the allow-listed gateway itself: the allow-list is for ipfs:// fetches only. */
export function gatewayByHttp(gatewayPort: number, cid: string): HostileUrl[] {
  return [
    {
      url: `http://127.0.0.1:${gatewayPort}/ipfs/${cid}/image.jpg`,
      why: 'the allow-listed gateway, by http instead of ipfs://',
    },
    {
      url: `http://127.0.0.1:${gatewayPort}/admin`,
      why: 'the allow-listed gateway, outside /ipfs/',
    },
    { url: `http://localhost:${gatewayPort}/api/v0/id`, why: 'the gateway by name, its RPC path' },
    { url: `https://127.0.0.1:${gatewayPort}/ipfs/${cid}/image.jpg`, why: 'the gateway by https' },
  ]
}

/**
 * ipfs:// URLs that try to leave the gateway's `/ipfs/<cid>/` path (dot segments, raw, encoded,
 * half-encoded, overlong UTF-8, backslashes, encoded separators, query and fragment tricks, and
 * "CIDs" that are not CIDs). Each must be refused (400) before any request reaches the gateway.
 */
export function ipfsTraversal(cid: string): HostileUrl[] {
  const at = (path: string, why: string): HostileUrl => ({ url: `ipfs://${cid}${path}`, why })
  return [
    { url: 'ipfs://bafy/../../admin/secret', why: 'short "CID" then dot segments' },
    at('/../../admin/secret', 'dot-dot segments'),
    at('/%2e%2e/%2e%2e/admin/secret', 'encoded dot-dot segments'),
    at('/%2E%2E/admin', 'encoded dot-dot, upper case'),
    at('/.%2e/admin', 'half-encoded dot-dot'),
    at('/%2e./admin', 'half-encoded dot-dot, other half'),
    at('/%c0%ae%c0%ae/admin', 'overlong UTF-8 dots'),
    at('/..%2f..%2fadmin', 'encoded slashes'),
    at('/..%2F..%2Fadmin', 'encoded slashes, upper case'),
    at('\\..\\..\\admin', 'backslashes after the CID'),
    at('/..\\..\\admin', 'backslash separators'),
    at('/%5c..%5cadmin', 'encoded backslashes'),
    at('/a?x=/../../admin', 'dot segments in a query'),
    at('/a#/../../admin', 'dot segments in a fragment'),
    at('//admin', 'empty segment (protocol-relative confusion)'),
    at('/%00admin', 'encoded NUL'),
    at('/./image.jpg', 'single-dot segment'),
    at(':80/admin', 'a port after the CID'),
    { url: `ipfs://${cid}@127.0.0.2/admin`, why: 'userinfo-style CID before a host' },
    { url: 'ipfs://../admin', why: 'dot-dot for a CID' },
    { url: 'ipfs://ipfs/../admin', why: 'legacy ipfs/ prefix, then dot-dot' },
  ]
}
