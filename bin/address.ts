// `host:port` option values (`--tcp`, `--bootstrap`), parsed once for every command.
import { USAGE } from './errors'

/** A TCP endpoint given on the command line. */
export interface Address {
  host: string
  port: number
}

/** What one option accepts, and how its usage error describes that. */
export interface AddressOption {
  /** The flag, as its usage error names it. */
  flag: string
  /** What the flag takes, for its usage error: `host:port, such as 127.0.0.1:49737`. */
  expected: string
  /** The host of a value that is a port alone; without it the host is required. */
  defaultHost?: string
  /** Port 0 asks the system for a free port: it means something only where the tool listens. */
  allowPortZero?: boolean
  /** `[<ipv6>]:<port>`, as `seed` prints it; hyperswarm takes its bootstrap nodes without brackets. */
  bracketedIPv6?: boolean
}

const BRACKETED_IPV6 = /^\[([0-9a-fA-F:.]+)\]$/
// Colons separate the port and brackets enclose an IPv6 address: neither belongs in a plain host.
const PLAIN_HOST = /^[^:\s[\]]+$/
const PORT = /^\d{1,5}$/

/** `value` as `option` accepts it; anything else is a usage error that says what the option expects. */
export function parseAddressOption (value: string, option: AddressOption): Address {
  const address = parseAddress(value, option)
  if (address === null) throw USAGE(`${option.flag} expects ${option.expected}, got ${JSON.stringify(value)}`)
  return address
}

/** `--bootstrap <host:port>`, as seed and clone take it; the value passes on as given. */
export function parseBootstrapOption (value: string): string {
  parseAddressOption(value, { flag: '--bootstrap', expected: 'host:port, such as 127.0.0.1:49737' })
  return value
}

function parseAddress (value: string, option: AddressOption): Address | null {
  const colon = value.lastIndexOf(':')
  const givenHost = colon === -1 ? null : value.slice(0, colon)
  const portText = value.slice(colon + 1)
  const port = Number(portText)
  if (!PORT.test(portText) || port < (option.allowPortZero === true ? 0 : 1) || port > 65535) return null
  if (givenHost === null) return option.defaultHost === undefined ? null : { host: option.defaultHost, port }
  const ipv6 = option.bracketedIPv6 === true ? BRACKETED_IPV6.exec(givenHost)?.[1] : undefined
  if (ipv6 !== undefined) return { host: ipv6, port }
  return PLAIN_HOST.test(givenHost) ? { host: givenHost, port } : null
}
