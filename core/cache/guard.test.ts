import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nearMissGuard, type GuardReason } from './guard.ts';

const refuses = (a: string, b: string, reason: GuardReason): void => {
  expect(nearMissGuard(a, b), `${a} | ${b}`).toEqual({ ok: false, reason });
  expect(nearMissGuard(b, a), `${b} | ${a}`).toEqual({ ok: false, reason });
};
const accepts = (a: string, b: string): void => {
  expect(nearMissGuard(a, b), `${a} | ${b}`).toEqual({ ok: true });
  expect(nearMissGuard(b, a), `${b} | ${a}`).toEqual({ ok: true });
};

describe('nearMissGuard: numbers', () => {
  it.each([
    ['how do I size a cluster of 3 nodes', 'how do I size a cluster of 5 nodes'],
    ['upgrade to version 2.1', 'upgrade to version 3.0'],
    ['upgrade to version 2.1', 'upgrade to version 2.1.0'],
    ['set the sampling rate to 10%', 'set the sampling rate to 20%'],
    ['who came 1st in the race', 'who came 2nd in the race'],
    ['how do I size a cluster of three nodes', 'how do I size a cluster of four nodes'],
    ['keep twenty five replicas', 'keep twenty replicas'],
    ['what is the second step', 'what is the third step'],
    ['set the offset to -5', 'set the offset to 5'],
    ['limit the batch to 1000 rows', 'limit the batch to 100 rows'],
    ['how do I size a cluster of 3 nodes', 'how do I size a cluster of nodes'],
  ])('refuses %j vs %j', (a, b) => refuses(a, b, 'number'));

  it.each([
    ['a cluster of 3 nodes', 'a cluster of three nodes'],
    ['limit to 1,000 rows', 'limit to 1000 rows'],
    ['cap it at 50%', 'cap it at 50 percent'],
    ['cap it at 50%', 'cap it at fifty percent'],
    ['the 2nd replica', 'the second replica'],
    ['keep 25 replicas', 'keep twenty-five replicas'],
    ['keep 120 replicas', 'keep one hundred twenty replicas'],
    ['wait 007 seconds', 'wait 7 seconds'],
    ['set 3 nodes and 5 shards', 'set 5 shards and 3 nodes'],
  ])('accepts %j vs %j (the same numbers)', (a, b) => accepts(a, b));
});

describe('nearMissGuard: negation', () => {
  it.each([
    'not',
    'no',
    'never',
    'none',
    'nobody',
    'nothing',
    'neither',
    'nor',
    'without',
    'cannot',
  ])('refuses when one text adds %j', (cue) => {
    refuses('why does the pod restart', `why does the pod restart ${cue}`, 'negation');
  });

  it.each([
    ["why doesn't the pod restart", 'why does the pod restart'],
    ['why doesn’t the pod restart', 'why does the pod restart'],
    ['why dont the pods restart', 'why do the pods restart'],
    ['why cant I restart the pod', 'why can I restart the pod'],
    ['the service is not available', 'the service is available'],
    ['restart nginx without downtime', 'restart nginx with downtime'],
  ])('refuses %j vs %j', (a, b) => refuses(a, b, 'negation'));

  it.each([
    ['why does the pod not restart', "why doesn't the pod restart"],
    ['why does the pod not restart', 'why does the pod not restart, please?'],
    ["I can't log in", 'I cannot log in'],
  ])('accepts %j vs %j (as many negations)', (a, b) => accepts(a, b));
});

describe('nearMissGuard: polarity', () => {
  it.each([
    ['how do I enable TLS', 'how do I disable TLS'],
    ['enabling the firewall', 'disabled the firewall'],
    ['start the worker', 'stop the worker'],
    ['increase the heap size', 'decrease the heap size'],
    ['allow port 22 traffic', 'deny port 22 traffic'],
    ['add a user to the group', 'remove a user from the group'],
    ['open the port', 'close the port'],
    ['set the min pool size', 'set the max pool size'],
    ['set debug to true', 'set debug to false'],
    ['accept the merge request', 'reject the merge request'],
    ['include hidden files', 'exclude hidden files'],
    ['lock the table', 'unlock the table'],
    ['import a dashboard', 'export a dashboard'],
    ['upload the file', 'download the file'],
    ['encrypt the volume', 'decrypt the volume'],
    ['how do I enable TLS', 'how do I enable and disable TLS'],
    ['turn on the VPN', 'turn off the VPN'],
    ['scale up the deployment', 'scale down the deployment'],
    ['show the first 10 lines', 'show the last 10 lines'],
    ['run the backup before the upgrade', 'run the backup after the upgrade'],
    ['use more memory', 'use less memory'],
    ['values above the limit', 'values below the limit'],
    ['show hidden files', 'hide hidden files'],
  ])('refuses %j vs %j', (a, b) => refuses(a, b, 'polarity'));

  it.each([
    ['how do I run nginx on Ubuntu', 'on Ubuntu, how do I run nginx'],
    ['set up the VPN on my laptop', 'please set up the VPN on my laptop'],
    ['how do I enable TLS', 'how do I enable TLS?'],
    ['enabled TLS', 'enabling TLS'],
    ['can you show me how to back up postgres', 'how to back up postgres'],
  ])('accepts %j vs %j', (a, b) => accepts(a, b));
});

describe('nearMissGuard: quoted strings', () => {
  it.each([
    ['grep for "timeout" in the logs', 'grep for "deadline" in the logs'],
    ["grep for 'timeout' in the logs", "grep for 'deadline' in the logs"],
    ['grep for `timeout` in the logs', 'grep for `deadline` in the logs'],
    ['grep for “timeout” in the logs', 'grep for “deadline” in the logs'],
    ['what does "ECONNRESET" mean', 'what does "ECONNRESET ECONNRESET" mean'],
  ])('refuses %j vs %j', (a, b) => refuses(a, b, 'quoted'));

  it.each([
    ['grep for "timeout" in the logs', 'grep for timeout in the logs'],
    ['grep for "timeout" in the logs', 'Grep for "TIMEOUT" in the logs!'],
    ["why don't users' files sync", "why don't users' files sync?"],
  ])('accepts %j vs %j', (a, b) => accepts(a, b));
});

describe('nearMissGuard: entities', () => {
  it.each([
    ['how do I turn on TLS in Kafka', 'how do I turn on TLS in Pulsar'],
    ['how do I restart the AWS agent', 'how do I restart the GCP agent'],
    ['how do I tune PostgreSQL', 'how do I tune the database'],
    ['install node.js on my laptop', 'install deno on my laptop'],
    ['edit /etc/hosts safely', 'edit /etc/resolv.conf safely'],
    ['rename my_var in the script', 'rename the variable in the script'],
    ['email admin@example.com', 'email ops@example.com'],
    ['fetch https://example.com/a', 'fetch https://example.com/b'],
    ['how do I restart nginx on ubuntu', 'how do I restart apache on ubuntu'],
    ['how do I install kubectl', 'how do I install helm'],
    ['how do I allocate 10gb', 'how do I allocate 10mb'],
    ['how do I restart nginx', 'how do I restart nginx in production'],
    ['how do I rotate the logs', 'how do I rotate the audit logs'],
  ])('refuses %j vs %j', (a, b) => refuses(a, b, 'entity'));

  it('reports an identifier with digits as a number change first', () => {
    refuses('is v8 fast', 'is v9 fast', 'number');
  });

  it.each([
    ['how do I turn on TLS in Kafka', 'HOW DO I TURN ON TLS IN KAFKA'],
    ['how do I turn on TLS in Kafka', 'how do i turn on tls in kafka'],
    ['Kafka: how do I turn on TLS?', 'how do I turn on TLS in kafka'],
    ['Restart Nginx. Then check it.', 'restart nginx, then check it'],
    ["what is Kafka's retention default", 'what is the retention default of Kafka'],
    ['configure the kubernetes ingress controller', 'configure the kubernets ingress controller'],
    ['How do I reset the WiFi router?', 'how do I reset the wifi router'],
  ])('accepts %j vs %j (same names, other case or order, or a typo)', (a, b) => accepts(a, b));
});

describe('nearMissGuard: what must not refuse', () => {
  const prompts = [
    'How do I turn on TLS in Kafka 3.6 if the cluster has 3 nodes?',
    "Why doesn't nginx start after I increase worker_connections to 4096?",
    'Grep for "timeout" in /var/log/syslog without root',
    'What is the max heap size for Elasticsearch 8 on a 16 GB machine?',
  ];
  const fillers = ['please', 'could you', 'kindly', 'just', 'hey,', 'thanks!', 'quick question:'];
  const variant = fc.record({
    prompt: fc.constantFrom(...prompts),
    lower: fc.boolean(),
    upper: fc.boolean(),
    punct: fc.constantFrom('', '?', '!', '...', '??'),
    before: fc.subarray(fillers),
    after: fc.subarray(fillers),
  });

  it('accepts other case, punctuation and filler words', () => {
    fc.assert(
      fc.property(variant, ({ prompt, lower, upper, punct, before, after }) => {
        let t = `${before.join(' ')} ${prompt.replace(/[?!.]+$/u, '')}${punct} ${after.join(' ')}`;
        if (lower) t = t.toLowerCase();
        else if (upper) t = t.toUpperCase();
        expect(nearMissGuard(prompt, t)).toEqual({ ok: true });
      }),
    );
  });

  it('accepts reordered clauses', () => {
    accepts(
      'How do I turn on TLS in Kafka 3.6 if the cluster has 3 nodes?',
      'If the cluster has 3 nodes, how do I turn on TLS in Kafka 3.6?',
    );
    accepts(
      'After the upgrade to 2.4, why does the scheduler not start?',
      'Why does the scheduler not start after the upgrade to 2.4?',
    );
  });
});
