// What a paradigm template is: given the usable vocabulary, either a function drawing one (bad, good) pair of
// token lists, or the reason this vocabulary cannot fill one of its slots.
import type { RandomStream, WeightedList } from '../../core/random.js';
import { ANIMATE_KINDS, hasDistinctPlural, NOUNS, type Noun, type NounKind } from './lexicon-nouns.js';
import type { Verb } from './lexicon-verbs.js';
import { poolOf, type Vocabulary } from './vocabulary.js';

export interface TokenPair {
  good: readonly string[];
  bad: readonly string[];
}

export type PairDrawer = (random: RandomStream) => TokenPair;

export interface ParadigmTemplate {
  /** Zorro's file name without `.txt`: `<phenomenon>-<paradigm>`. */
  paradigm: string;
  /** What the bad sentence of a pair changes, in words (shown by `probes generate --help` and in docs). */
  contrast: string;
  prepare(vocabulary: Vocabulary): PairDrawer | { missing: string };
}

export type GrammaticalNumber = 'singular' | 'plural';

export const NUMBERS_OF: readonly GrammaticalNumber[] = ['singular', 'plural'];

export function opposite(number: GrammaticalNumber): GrammaticalNumber {
  return number === 'singular' ? 'plural' : 'singular';
}

export function formOf(noun: Noun, number: GrammaticalNumber): string {
  return number === 'singular' ? noun.singular : noun.plural;
}

export function isAnimate(noun: Noun): boolean {
  return ANIMATE_KINDS.includes(noun.kind);
}

/**
 * Nouns of the given kinds whose form in `number` is usable. Only nouns with a distinct plural: every template
 * that states a number needs the form to show it ("sheep" could be either).
 */
export function nounPool(vocabulary: Vocabulary, kinds: readonly NounKind[], number: GrammaticalNumber): WeightedList<Noun> {
  const candidates = NOUNS.filter((noun) => kinds.includes(noun.kind) && hasDistinctPlural(noun));
  return poolOf(vocabulary, candidates, (noun) => [formOf(noun, number)]);
}

/** Direct-object pools per verb, built on first use (most verbs share a handful of kind lists). */
export function objectPools(vocabulary: Vocabulary, number: GrammaticalNumber): (verb: Verb) => WeightedList<Noun> {
  const byKinds = new Map<string, WeightedList<Noun>>();
  return (verb) => {
    const key = verb.objects.join(',');
    let pool = byKinds.get(key);
    if (pool === undefined) {
      pool = nounPool(vocabulary, verb.objects, number);
      byKinds.set(key, pool);
    }
    return pool;
  };
}

/** The first empty pool's description, if any: the reason a paradigm cannot be generated. */
export function firstEmpty(pools: Readonly<Record<string, { size: number }>>): { missing: string } | undefined {
  for (const [what, pool] of Object.entries(pools)) {
    if (pool.size === 0) return { missing: what };
  }
  return undefined;
}
