// The near-miss set: operator and developer questions from templates × slots (seeded), each with
// positives (the same question in another case, punctuation, with filler words, clauses reordered)
// and hard negatives (another number, a negation, another entity, a polarity flip, the same prompt
// under another tenant). Meanings are structured, so whether a hit is right is known by construction:
// a hit is correct when the entry's meaning equals the query's.
import { seededRng, type Rng } from '@proxima/core/lsh';

interface Slots {
  readonly e: string;
  readonly n: string;
  /** The polarity word chosen (side 0 or 1 of the template's pair). */
  readonly p: string;
  readonly neg: boolean;
}

interface Template {
  readonly entities: readonly string[];
  readonly numbers: readonly string[];
  readonly pair: readonly [string, string];
  /** The question and a subordinate clause that may come first or last. */
  readonly render: (s: Slots) => { main: string; clause: string };
}

const TEMPLATES: readonly Template[] = [
  {
    entities: ['Kafka', 'RabbitMQ', 'Pulsar', 'NATS', 'Redpanda', 'ActiveMQ'],
    numbers: ['3', '5', '7', '9'],
    pair: ['enable', 'disable'],
    render: (s) => ({
      main: `how do I ${s.p} TLS on ${s.e}`,
      clause: `when the cluster ${s.neg ? "doesn't have" : 'has'} ${s.n} brokers`,
    }),
  },
  {
    entities: ['nginx', 'haproxy', 'envoy', 'traefik', 'caddy', 'squid'],
    numbers: ['1.24', '1.25', '1.26', '2.0', '2.8', '3.1'],
    pair: ['start', 'stop'],
    render: (s) => ({
      main: `why does ${s.e} ${s.neg ? 'not ' : ''}${s.p} on its own`,
      clause: `after the upgrade to version ${s.n}`,
    }),
  },
  {
    entities: ['Elasticsearch', 'Cassandra', 'Jenkins', 'SonarQube', 'Tomcat', 'Solr'],
    numbers: ['2', '4', '8', '16', '32'],
    pair: ['increase', 'decrease'],
    render: (s) => ({
      main: `how can I ${s.p} the heap size of ${s.e}`,
      clause: `so that it ${s.neg ? 'does not use' : 'uses'} more than ${s.n} GB`,
    }),
  },
  {
    entities: ['ufw', 'firewalld', 'iptables', 'nftables', 'pf'],
    numbers: ['22', '80', '443', '5432', '6379', '8080', '8443'],
    pair: ['open', 'close'],
    render: (s) => ({
      main: `how do I ${s.p} port ${s.n} in ${s.e}`,
      clause: `${s.neg ? 'without' : 'while'} restarting the server`,
    }),
  },
  {
    entities: ['S3', 'GCS', 'MinIO', 'Backblaze', 'Wasabi'],
    numbers: ['50', '100', '500', '1000'],
    pair: ['upload', 'download'],
    render: (s) => ({
      main: `what is the fastest way to ${s.p} files ${s.p === 'upload' ? 'to' : 'from'} ${s.e}`,
      clause: `if the files are ${s.neg ? 'not ' : ''}larger than ${s.n} MB`,
    }),
  },
  {
    entities: ['docker', 'sudo', 'wheel', 'adm', 'libvirt'],
    numbers: ['20.04', '22.04', '24.04'],
    pair: ['add', 'remove'],
    render: (s) => ({
      main: `how do I ${s.p} a user ${s.p === 'add' ? 'to' : 'from'} the ${s.e} group`,
      clause: `on Ubuntu ${s.n} ${s.neg ? 'without' : 'with'} root access`,
    }),
  },
  {
    entities: ['Apache', 'Postgres', 'Jenkins', 'Nginx', 'Grafana'],
    numbers: ['7', '14', '30', '90'],
    pair: ['include', 'exclude'],
    render: (s) => ({
      main: `how do I ${s.p} ${s.e} logs older than ${s.n} days in the nightly backup`,
      clause: `if the logs are ${s.neg ? 'not ' : ''}compressed`,
    }),
  },
  {
    entities: ['HikariCP', 'pgbouncer', 'SQLAlchemy', 'Django', 'Rails'],
    numbers: ['10', '20', '50', '100'],
    pair: ['min', 'max'],
    render: (s) => ({
      main: `should I set the ${s.p} pool size of ${s.e} to ${s.n}`,
      clause: `when the database ${s.neg ? 'cannot' : 'can'} handle many connections`,
    }),
  },
  {
    entities: ['MySQL', 'PostgreSQL', 'MariaDB', 'MongoDB', 'Redis'],
    numbers: ['5', '10', '30', '60', '300'],
    pair: ['pause', 'resume'],
    render: (s) => ({
      main: `how do I ${s.p} ${s.e} replication`,
      clause: `when the replica lag is ${s.neg ? 'not ' : ''}above ${s.n} seconds`,
    }),
  },
  {
    entities: ['Ubuntu', 'Debian', 'Fedora', 'Alpine', 'CentOS'],
    numbers: ['1', '2', '4', '8'],
    pair: ['encrypt', 'decrypt'],
    render: (s) => ({
      main: `how do I ${s.p} the data volume of a ${s.n} TB disk on ${s.e}`,
      clause: `if it is ${s.neg ? 'not ' : ''}mounted at boot`,
    }),
  },
  {
    entities: ['ldap', 'keycloak', 'authentik', 'freeipa', 'okta'],
    numbers: ['3', '5', '10'],
    pair: ['lock', 'unlock'],
    render: (s) => ({
      main: `how do I ${s.p} a user account in ${s.e} after ${s.n} failed logins`,
      clause: `${s.neg ? 'without' : 'with'} admin rights`,
    }),
  },
  {
    entities: ['Grafana', 'Kibana', 'Datadog', 'Superset', 'Metabase'],
    numbers: ['4', '6', '12', '20'],
    pair: ['import', 'export'],
    render: (s) => ({
      main: `how do I ${s.p} a dashboard in ${s.e}`,
      clause: `that has ${s.n} panels and ${s.neg ? 'no' : 'two'} alert rules`,
    }),
  },
  {
    entities: ['api', 'worker', 'frontend', 'ingest', 'billing'],
    numbers: ['2', '3', '5', '10'],
    pair: ['up', 'down'],
    render: (s) => ({
      main: `how do I scale ${s.p} the ${s.e} deployment to ${s.n} replicas`,
      clause: `${s.neg ? 'without' : 'with'} a rolling restart`,
    }),
  },
  {
    entities: ['autoscaling', 'tracing', 'profiling', 'compaction', 'caching'],
    numbers: ['50', '70', '80', '90'],
    pair: ['on', 'off'],
    render: (s) => ({
      main: `how do I turn ${s.p} ${s.e} for the staging cluster`,
      clause: `when CPU usage is ${s.neg ? 'not ' : ''}above ${s.n}%`,
    }),
  },
  {
    entities: ['backup', 'cleanup', 'report', 'rotation', 'reindex'],
    numbers: ['5', '15', '30', '60'],
    pair: ['enable', 'disable'],
    render: (s) => ({
      main: `how do I ${s.p} the ${s.e} cron job that runs every ${s.n} minutes`,
      clause: `${s.neg ? 'without' : 'with'} email alerts`,
    }),
  },
];

export interface Meaning extends Slots {
  readonly t: number;
}

export function meaningKey(m: Meaning): string {
  return `${m.t}|${m.e}|${m.n}|${m.p}|${m.neg}`;
}

interface Surface {
  readonly clauseFirst?: boolean;
  readonly casing?: 'sentence' | 'lower' | 'upper';
  readonly end?: string;
  readonly comma?: boolean;
  readonly before?: string;
  readonly after?: string;
}

function render(m: Meaning, s: Surface = {}): string {
  const { main, clause } = TEMPLATES[m.t]!.render(m);
  let text = s.clauseFirst ? `${clause}, ${main}` : `${main}${s.comma ? ',' : ''} ${clause}`;
  text = `${s.before ? `${s.before} ` : ''}${text}${s.end ?? '?'}${s.after ? ` ${s.after}` : ''}`;
  if (s.casing === 'lower') return text.toLowerCase();
  if (s.casing === 'upper') return text.toUpperCase();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export type Kind =
  | 'base'
  | 'case'
  | 'punctuation'
  | 'filler'
  | 'reorder'
  | 'combined'
  | 'number'
  | 'negation'
  | 'entity'
  | 'polarity'
  | 'tenant'
  | 'qualifier';

export const POSITIVE_KINDS: readonly Kind[] = [
  'case',
  'punctuation',
  'filler',
  'reorder',
  'combined',
];
export const NEGATIVE_KINDS: readonly Kind[] = [
  'number',
  'negation',
  'entity',
  'polarity',
  'tenant',
];

export interface Prompt {
  readonly tenant: string;
  readonly text: string;
  readonly meaning: string;
  readonly kind: Kind;
  /** Index of the base prompt this one was derived from. */
  readonly base: number;
}

export interface NearMissSet {
  /** What the cache holds: tenant A's base prompts, and tenant B's own (disjoint) ones. */
  readonly stored: readonly Prompt[];
  /** Positives and the hard negatives of the spec. */
  readonly queries: readonly Prompt[];
  /** Extra negatives, reported apart: the base plus a lower-case qualifier that changes the ask. */
  readonly qualifiers: readonly Prompt[];
}

const BEFORE = [
  'please',
  'hey,',
  'could you tell me',
  'quick question:',
  'kindly explain',
  'hi, just wondering',
  'can you show me',
];
const AFTER = ['thanks', 'thanks!', 'please', 'thx', 'thank you'];
const QUALIFIERS = [
  'in production',
  'on a laptop',
  'inside a container',
  'for the test environment',
];

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!;

function other<T>(rng: Rng, xs: readonly T[], not: T): T {
  const rest = xs.filter((x) => x !== not);
  return pick(rng, rest);
}

function allMeanings(): Meaning[] {
  const out: Meaning[] = [];
  TEMPLATES.forEach((t, ti) => {
    for (const e of t.entities)
      for (const n of t.numbers)
        for (const p of t.pair) for (const neg of [false, true]) out.push({ t: ti, e, n, p, neg });
  });
  return out;
}

/** perTemplate bases for tenant A and bPerTemplate others for tenant B, from a seeded shuffle. */
export function nearMissSet(seed = 42, perTemplate = 22, bPerTemplate = 4): NearMissSet {
  const rng = seededRng(seed);
  const byTemplate = TEMPLATES.map((_, ti) => allMeanings().filter((m) => m.t === ti));
  const stored: Prompt[] = [];
  const queries: Prompt[] = [];
  const qualifiers: Prompt[] = [];
  const bases: Meaning[] = [];
  for (const pool of byTemplate) {
    // Fisher–Yates with the seeded generator.
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    bases.push(...pool.slice(0, perTemplate));
    for (const m of pool.slice(perTemplate, perTemplate + bPerTemplate)) {
      stored.push({
        tenant: 'tenant-b',
        text: render(m),
        meaning: meaningKey(m),
        kind: 'base',
        base: -1,
      });
    }
  }
  bases.forEach((m, b) => {
    const t = TEMPLATES[m.t]!;
    const q = (
      kind: Kind,
      meaning: Meaning,
      surface: Surface = {},
      tenant = 'tenant-a',
    ): Prompt => ({
      tenant,
      text: render(meaning, surface),
      meaning: meaningKey(meaning),
      kind,
      base: b,
    });
    stored.push(q('base', m));
    queries.push(
      q('case', m, { casing: rng.next() < 0.7 ? 'lower' : 'upper' }),
      q('punctuation', m, { comma: true, end: pick(rng, ['', '.', '!', '??', ' ?']) }),
      q(
        'filler',
        m,
        rng.next() < 0.5 ? { before: pick(rng, BEFORE) } : { after: pick(rng, AFTER) },
      ),
      q('reorder', m, { clauseFirst: true }),
      q('combined', m, {
        clauseFirst: true,
        casing: 'lower',
        before: pick(rng, BEFORE),
        after: pick(rng, AFTER),
        end: '',
      }),
      q('number', { ...m, n: other(rng, t.numbers, m.n) }),
      q('negation', { ...m, neg: !m.neg }),
      q('entity', { ...m, e: other(rng, t.entities, m.e) }),
      q('polarity', { ...m, p: t.pair[0] === m.p ? t.pair[1] : t.pair[0] }),
      q('tenant', m, {}, 'tenant-b'),
    );
    const text = render(m, { end: '' });
    qualifiers.push({
      tenant: 'tenant-a',
      text: `${text} ${pick(rng, QUALIFIERS)}?`,
      meaning: `${meaningKey(m)}+qualifier`,
      kind: 'qualifier',
      base: b,
    });
  });
  return { stored, queries, qualifiers };
}
