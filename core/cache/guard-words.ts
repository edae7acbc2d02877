// Word lists of the near-miss guard and the stemmer that matches their inflected forms. Kept apart
// from the rules (guard-features.ts) so the lists can grow without touching the logic.

/** Negation cues; any token ending in n't (don't, isn't, won't) counts too. */
export const NEGATIONS = new Set(
  (
    'not no never none nobody nothing neither nor without cannot nowhere noone ' +
    // Contractions typed without the apostrophe.
    'dont doesnt didnt isnt arent wasnt werent cant couldnt wouldnt shouldnt wont hasnt havent ' +
    'hadnt mustnt neednt aint shant'
  ).split(' '),
);

/**
 * Opposing words. Strong pairs are rarely anything but the opposition, so their counts must agree
 * exactly. Weak pairs are also common prepositions or particles ("on Linux", "set up", "at first"),
 * so only a flip refuses: one text has one side that the other lacks and the other has the
 * opposite side. in/out is left out: "log in", "check out", "in Kafka" are too frequent.
 */
export const STRONG_PAIRS: readonly (readonly [string, string])[] = [
  ['enable', 'disable'],
  ['start', 'stop'],
  ['increase', 'decrease'],
  ['allow', 'deny'],
  ['allow', 'disallow'],
  ['add', 'remove'],
  ['open', 'close'],
  ['min', 'max'],
  ['minimum', 'maximum'],
  ['true', 'false'],
  ['accept', 'reject'],
  ['include', 'exclude'],
  ['lock', 'unlock'],
  ['import', 'export'],
  ['upload', 'download'],
  ['encrypt', 'decrypt'],
  ['install', 'uninstall'],
  ['mount', 'unmount'],
  ['connect', 'disconnect'],
  ['grant', 'revoke'],
  ['encode', 'decode'],
  ['compress', 'decompress'],
  ['push', 'pull'],
  ['ascending', 'descending'],
  ['asc', 'desc'],
  ['uppercase', 'lowercase'],
  ['inbound', 'outbound'],
  ['ingress', 'egress'],
  ['public', 'private'],
  ['valid', 'invalid'],
  ['online', 'offline'],
  ['login', 'logout'],
  ['sync', 'async'],
  ['synchronous', 'asynchronous'],
  ['read', 'write'],
  ['horizontal', 'vertical'],
  ['attach', 'detach'],
  ['pause', 'resume'],
  ['subscribe', 'unsubscribe'],
  ['succeed', 'fail'],
];

export const WEAK_PAIRS: readonly (readonly [string, string])[] = [
  ['on', 'off'],
  ['up', 'down'],
  ['first', 'last'],
  ['before', 'after'],
  ['more', 'less'],
  ['above', 'below'],
  ['over', 'under'],
  ['higher', 'lower'],
  ['faster', 'slower'],
  ['older', 'newer'],
  ['left', 'right'],
  ['inside', 'outside'],
  // Weak because "show me how" is a filler.
  ['show', 'hide'],
];

/**
 * Words that carry no subject of their own: function words and the filler of polite requests
 * ("hey, could you please just tell me…"). They are left out when the guard looks for a content
 * word swapped for another. Question words (how, why, what…) are not here: they change the question.
 */
export const FUNCTION_WORDS = new Set(
  (
    'a an the of in on at to for with by from into onto about as than then so and or but if ' +
    'is are was were be been being am do does did done doing have has had having ' +
    'can could would should will shall may might must ' +
    'i me my mine we us our you your yours it its they them their he him his she her ' +
    'this that these those there here some any each every all both such own same ' +
    'up out off down over via per also too very really quite '
  ).split(/\s+/),
);

export const FILLERS = new Set(
  (
    'please pls plz kindly just hey hi hello thanks thank thx cheers ok okay so well um uh ' +
    'tell know let wondering wonder quick question help simply actually basically maybe ' +
    'possibly perhaps anyone someone somebody need want like ask asking explain show me'
  ).split(/\s+/),
);

/** Irregular forms of the pair words, mapped to the form the stemmer sees. */
const IRREGULAR = new Map([
  ['hidden', 'hide'],
  ['shown', 'show'],
  ['began', 'start'],
  ['failure', 'fail'],
  ['success', 'succeed'],
  ['wrote', 'write'],
  ['written', 'write'],
]);

/**
 * A crude suffix stripper (-ing, -ed, -ies, -es, -s, final e), enough to make "enabling",
 * "enabled", "enables" and "enable" one key. Not Porter: it only has to be consistent.
 */
export function stem(word: string): string {
  const w = IRREGULAR.get(word) ?? word;
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  for (const suffix of ['ing', 'ed', 'es', 's']) {
    if (!w.endsWith(suffix) || w.length - suffix.length < 3) continue;
    if (suffix === 's' && /(?:ss|us|is)$/.test(w)) break;
    let base = w.slice(0, -suffix.length);
    // stopped → stop, but install(ed), add(ed), pass(ed) keep their double letter.
    if (suffix.length > 1 && /([bcfghjkmnpqrtvwxy])\1$/.test(base)) base = base.slice(0, -1);
    return dropFinalE(base);
  }
  return dropFinalE(w);
}

function dropFinalE(w: string): string {
  return w.length > 3 && w.endsWith('e') ? w.slice(0, -1) : w;
}

/** Written numbers: units and teens, tens, and the multipliers. */
export const NUMBER_WORDS = new Map<string, number>([
  ...'zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen'
    .split(' ')
    .map((w, i): [string, number] => [w, i]),
  ...'twenty thirty forty fifty sixty seventy eighty ninety'
    .split(' ')
    .map((w, i): [string, number] => [w, 20 + 10 * i]),
]);

export const MULTIPLIERS = new Map([
  ['hundred', 100],
  ['thousand', 1000],
  ['million', 1e6],
  ['billion', 1e9],
]);

/** Words the number rule reads as part of a number ("50 percent" = "50%"). */
export const PERCENT_WORDS = new Set(['percent', 'cent']);

/** Written ordinals ("first" is a weak polarity word instead: first/last). */
export const ORDINAL_WORDS = new Map(
  'second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth'
    .split(' ')
    .map((w, i): [string, number] => [w, i + 2]),
);
