// The hosts an edge may fetch remote images from (IMAGE_URL_HOSTS). Off unless the operator names
// them: a fetch on a client's behalf reaches whatever the URL says, so only trusted hosts.
import { ProximaError } from '../errors.ts';

export interface ImageHosts {
  /** Host names allowed as they are. */
  readonly exact: ReadonlySet<string>;
  /** `.x.com` for an entry `*.x.com`: any host ending in it (not `x.com` itself). */
  readonly suffixes: readonly string[];
}

export const NO_IMAGE_HOSTS: ImageHosts = { exact: new Set(), suffixes: [] };

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV6 = /^\[[0-9a-f:.]{2,45}\]$/;
const HOST_NAME_MAX_CHARS = 253;

/** Lower case, without the trailing dot of a fully qualified name. */
function normalHost(host: string): string {
  const lower = host.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function isHostName(host: string): boolean {
  if (IPV6.test(host)) return true;
  return host.length <= HOST_NAME_MAX_CHARS && host.split('.').every((l) => LABEL.test(l));
}

/**
 * IMAGE_URL_HOSTS: comma-separated host names (ASCII; punycode for others), `*.x.com` for every
 * subdomain of x.com. Unset or empty: no remote images. Throws an Error naming the bad entry.
 */
export function parseImageHosts(value: string | undefined): ImageHosts {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const raw of (value ?? '').split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const wildcard = entry.startsWith('*.');
    const host = normalHost(wildcard ? entry.slice(2) : entry);
    if (!isHostName(host) || (wildcard && IPV6.test(host)))
      throw new Error(
        `IMAGE_URL_HOSTS: ${JSON.stringify(entry)} is not a host name; give names such as ` +
          `images.example.com or *.example.com (every subdomain), without scheme, port or path`,
      );
    if (wildcard) suffixes.push(`.${host}`);
    else exact.add(host);
  }
  return { exact, suffixes };
}

export function fetchesImages(hosts: ImageHosts): boolean {
  return hosts.exact.size > 0 || hosts.suffixes.length > 0;
}

/** Whether images may be fetched from `hostname` (a URL's host name, as WHATWG URL writes it). */
export function imageHostAllowed(hosts: ImageHosts, hostname: string): boolean {
  const host = normalHost(hostname);
  if (host === '' || !isHostName(host)) return false;
  return hosts.exact.has(host) || hosts.suffixes.some((s) => host.endsWith(s));
}

/** The 400 for an image URL whose host (or a redirect's) is not allowed, saying how to allow it. */
export function imageHostRefused(
  hosts: ImageHosts,
  hostname: string,
  param: string,
  redirected = false,
): ProximaError {
  const what = redirected
    ? `'${param}' redirects to ${hostname}, a host this edge does not fetch images from`
    : `'${param}' is on ${hostname}, a host this edge does not fetch images from`;
  const how = fetchesImages(hosts)
    ? 'the operator can add the host to IMAGE_URL_HOSTS'
    : 'the operator can allow hosts with IMAGE_URL_HOSTS (remote images are off)';
  return new ProximaError(
    'invalid_request',
    `${what}. Send the image as a data URL (data:image/png;base64,...), or ${how}.`,
    { param },
  );
}
