// The whole probe lexicon in one value, and its hash: a suite records which word lists made it, so two suites
// with the same seed and tokenizer but different lexicons are never mistaken for each other.
import { createHash } from 'node:crypto';
import { NOUNS } from './lexicon-nouns.js';
import { ABOUT_VERBS, MODALS, REFLEXIVE_VERBS, VERBS } from './lexicon-verbs.js';
import {
  ANIMATE_ADJECTIVES, DEMONSTRATIVES, NAMES, NUMBERS, POSSESSIVES, PREPOSITIONS, REFLEXIVE, SUBJECT_PRONOUNS, THING_ADJECTIVES,
} from './lexicon-words.js';

export const LEXICON = {
  nouns: NOUNS,
  verbs: VERBS,
  aboutVerbs: ABOUT_VERBS,
  reflexiveVerbs: REFLEXIVE_VERBS,
  modals: MODALS,
  thingAdjectives: THING_ADJECTIVES,
  animateAdjectives: ANIMATE_ADJECTIVES,
  names: NAMES,
  reflexive: REFLEXIVE,
  numbers: NUMBERS,
  prepositions: PREPOSITIONS,
  subjectPronouns: SUBJECT_PRONOUNS,
  possessives: POSSESSIVES,
  demonstratives: DEMONSTRATIVES,
} as const;

export type Lexicon = typeof LEXICON;

/** sha256 of the lexicon's canonical JSON (key order as written above, which is fixed in this file). */
export function lexiconHash(lexicon: Lexicon = LEXICON): string {
  return createHash('sha256').update(JSON.stringify(lexicon)).digest('hex');
}
