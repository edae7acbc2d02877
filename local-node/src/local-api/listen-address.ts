// `--listen HOST:PORT` for the node's local API, and the rule that keeps it from serving other
// machines without a key.
import { isIP } from 'node:net';
import { SECRET_PATTERN, SECRET_RULE } from '@proxima/core/protocol';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const PORT = /^\d{1,5}$/;

function invalidAddress(flag: string, value: string, why: string): Error {
  return new Error(`${flag} ${JSON.stringify(value)}: ${why}`);
}

/**
 * `HOST:PORT`, `[IPv6]:PORT`; port 0 asks for any free port. Hosts are names or IP addresses;
 * an IPv6 address goes in brackets, as in a URL. `flag` names the flag in errors.
 */
export function parseListenAddress(
  value: string,
  flag = '--listen',
  examplePort = 11435,
): ListenAddress {
  const example = `expected HOST:PORT, e.g. 127.0.0.1:${examplePort} or [::1]:${examplePort}`;
  const invalid = (v: string, why: string) => invalidAddress(flag, v, why);
  let host: string;
  let port: string;
  if (value.startsWith('[')) {
    const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(value);
    if (bracketed === null) throw invalid(value, example);
    host = bracketed[1]!;
    if (isIP(host) !== 6) throw invalid(value, `'${host}' in brackets is not an IPv6 address`);
    if (bracketed[2] === undefined) throw invalid(value, `no port; ${example}`);
    port = bracketed[2];
  } else {
    const colon = value.lastIndexOf(':');
    if (colon < 0) throw invalid(value, `no port; ${example}`);
    host = value.slice(0, colon);
    port = value.slice(colon + 1);
    if (host.includes(':'))
      throw invalid(value, `an IPv6 address goes in brackets, e.g. [${host}]:${port}`);
    if (host === '') throw invalid(value, `no host; ${example}`);
    if (isIP(host) === 0 && !HOSTNAME.test(host))
      throw invalid(value, `'${host}' is neither an IP address nor a host name`);
  }
  if (!PORT.test(port) || Number(port) > 65535)
    throw invalid(value, `the port must be a number from 0 to 65535 (0: any free port)`);
  return { host, port: Number(port) };
}

/** Whether only this machine can reach the address: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * Refuses to serve other machines without a key (anyone on the network could use the node's
 * models), and a key that is too weak to be one.
 */
export function assertListenAllowed(host: string, apiKey: string | undefined): void {
  if (apiKey !== undefined && !SECRET_PATTERN.test(apiKey))
    throw new Error(`the local API's key must be ${SECRET_RULE}`);
  if (apiKey === undefined && !isLoopbackHost(host))
    throw new Error(
      `refusing to serve the local API on ${host} without an API key: other machines could use ` +
        `this node's models. Set an API key, or listen on 127.0.0.1 (or [::1]).`,
    );
}
