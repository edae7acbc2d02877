import { InvalidArgumentError } from 'commander';

/** Where `proxima edge serve` listens. Port 0 lets the OS pick one (printed once listening). */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export const DEFAULT_LISTEN: ListenAddress = { host: '127.0.0.1', port: 8787 };

/** Worker binding names: what `env.NAME` can be in the edge. */
export const BINDING_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const BINDING_NAME_RULE = 'a letter or _, then letters, digits or _ (at most 128)';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV6 = /^\[[0-9A-Fa-f:.]{2,45}\]$/;

/** Host as workerd reads it: `127.0.0.1`, `0.0.0.0`, `[::1]`, `*` (every interface) or a host name. */
function isHost(host: string): boolean {
  if (/^[\d.]+$/.test(host)) return IPV4.test(host);
  return host === '*' || IPV6.test(host) || HOST_NAME.test(host);
}

/** `--listen HOST:PORT` (IPv6 in brackets: `[::1]:8787`). */
export function listenAddress(value: string): ListenAddress {
  const colon = value.lastIndexOf(':');
  const host = colon < 0 ? '' : value.slice(0, colon);
  const portText = colon < 0 ? '' : value.slice(colon + 1);
  if (!isHost(host) || !/^\d{1,5}$/.test(portText)) {
    throw new InvalidArgumentError(
      `expected HOST:PORT such as 127.0.0.1:8787, 0.0.0.0:8787 or [::1]:8787, got '${value}'.`,
    );
  }
  const port = Number(portText);
  if (port > 65_535) {
    throw new InvalidArgumentError(
      `the port must be from 0 to 65535 (0: any free port), got '${portText}'.`,
    );
  }
  return { host, port };
}

export function bindingName(name: string, what: string): string {
  if (!BINDING_NAME_PATTERN.test(name)) {
    throw new InvalidArgumentError(
      `${what}: '${name.slice(0, 64)}' is not a binding name (${BINDING_NAME_RULE}).`,
    );
  }
  return name;
}

/** `--var NAME=VALUE`, repeatable: collects into one record (a later one wins). */
export function varAssignment(
  value: string,
  previous: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected NAME=VALUE, got '${value.slice(0, 64)}'.`);
  const name = bindingName(value.slice(0, eq), '--var');
  return { ...previous, [name]: value.slice(eq + 1) };
}
