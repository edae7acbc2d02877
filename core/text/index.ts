// Public API of @proxima/core/text: word tokens, the base stopword list, a seeded string hash.
export { tokenize, STOPWORDS } from './tokenize.ts';
export { hash32 } from './hash32.ts';
