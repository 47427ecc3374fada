// Phrase builders for the generator: noun phrases with determiners that agree in number, subjects that carry
// person/number/gender (for is/are, -s and himself/herself), and inflected verb groups.
import { comparativesOf, pastOf, pluralOf, thirdPersonOf } from '../morphology.js';
import { NOUNS_BY_KIND, PERSON_GENDER, PLURAL_FORM, SINGULAR_ONLY, SUBSTANCES, type NounKind } from './lexicon-nouns.js';
import { ANIMATE_ADJECTIVES, BOY_NAMES, COLORS, FAMILY, GIRL_NAMES, GRADABLE, NUMBERS, PREPOSITIONS, THING_ADJECTIVES } from './lexicon-words.js';
import type { RandomStream, WeightedList } from '../../core/random.js';
import { zipfList } from './zipf.js';

export type GrammaticalNumber = 'sg' | 'pl';
type Gender = 'm' | 'f' | 'n';

/** Who the subject is, as far as agreement and binding care. */
export interface Subject {
  tokens: string[];
  person: 1 | 2 | 3;
  number: GrammaticalNumber;
  gender: Gender;
  animate: boolean;
  /** The pronoun that was used, when the subject is one ("he"); contractions build on it. */
  pronoun?: string;
}

export type Tense = 'present' | 'past';

const SG_DETERMINERS: readonly (readonly [number, string])[] = [
  [10, 'the'], [6, 'a'], [3, 'your'], [1.5, 'this'], [1.5, 'that'], [1.5, 'my'], [1, 'his'], [1, 'her'], [0.6, 'our'],
  [0.4, 'their'], [0.5, 'another'], [0.4, 'one'], [0.3, 'every'], [0.2, 'each'],
];
const PL_DETERMINERS: readonly (readonly [number, string])[] = [
  [10, 'the'], [2.5, 'your'], [1.5, 'these'], [1.5, 'those'], [2, 'some'], [1, 'my'], [2.5, '#'], [0.8, 'all the'],
  [0.5, 'lots of'], [0.4, 'many'], [0.6, 'more'], [0.5, 'his'], [0.5, 'her'], [0.4, 'our'], [0.3, 'their'], [0.3, 'no'],
  [0.2, 'a few'], [0.2, 'both'], [0.2, 'more than #'], [0.2, 'at least #'],
];
const MASS_DETERMINERS: readonly (readonly [number, string])[] = [
  [6, 'the'], [5, 'some'], [4, 'more'], [2, 'your'], [1, 'my'], [1, 'this'], [1, 'that'], [0.5, 'no'], [0.5, 'a lot of'], [0.3, 'a little'],
];
const INTENSIFIERS = ['very', 'so', 'really', 'too', 'a little'];

const PRONOUNS: readonly (readonly [number, Omit<Subject, 'tokens'> & { pronoun: string }])[] = [
  [3, { pronoun: 'you', person: 2, number: 'sg', gender: 'n', animate: true }],
  [2, { pronoun: 'i', person: 1, number: 'sg', gender: 'n', animate: true }],
  [1.5, { pronoun: 'he', person: 3, number: 'sg', gender: 'm', animate: true }],
  [1.2, { pronoun: 'she', person: 3, number: 'sg', gender: 'f', animate: true }],
  [1.4, { pronoun: 'it', person: 3, number: 'sg', gender: 'n', animate: false }],
  [1.2, { pronoun: 'we', person: 1, number: 'pl', gender: 'n', animate: true }],
  [1, { pronoun: 'they', person: 3, number: 'pl', gender: 'n', animate: true }],
];

const REFLEXIVES: Record<string, string> = { i: 'myself', you: 'yourself', we: 'ourselves', it: 'itself' };

function article(next: string): string {
  return /^[aeiou]/.test(next) && !/^(uni|use|eu|one)/.test(next) ? 'an' : 'a';
}

/** Word lists drawn with Zipf-like frequencies, plus the generator's random source. */
export class Phrases {
  private readonly nouns = new Map<NounKind, WeightedList<string>>();
  private readonly substances = zipfList(SUBSTANCES);
  private readonly thingAdjectives = zipfList(THING_ADJECTIVES);
  private readonly animateAdjectives = zipfList(ANIMATE_ADJECTIVES);
  private readonly gradable = zipfList(GRADABLE);
  private readonly boys = zipfList(BOY_NAMES, 0.8);
  private readonly girls = zipfList(GIRL_NAMES, 0.8);
  private readonly numbers = zipfList(NUMBERS, 0.7);
  private readonly prepositions = zipfList(PREPOSITIONS);

  constructor(readonly random: RandomStream) {
    for (const [kind, list] of Object.entries(NOUNS_BY_KIND)) this.nouns.set(kind as NounKind, zipfList(list, 0.9));
  }

  noun(kind: NounKind): string {
    return this.nouns.get(kind)!.draw(this.random);
  }

  number(): string {
    return this.numbers.draw(this.random);
  }

  color(): string {
    return this.random.pick(COLORS);
  }

  preposition(): string {
    return this.prepositions.draw(this.random);
  }

  adjective(animate: boolean): string {
    return (animate ? this.animateAdjectives : this.thingAdjectives).draw(this.random);
  }

  gradableAdjective(): { plain: string; comparative: string; superlative: string } {
    const plain = this.gradable.draw(this.random);
    const [comparative, superlative] = comparativesOf(plain);
    return { plain, comparative, superlative };
  }

  /** "very big", "hungry": an adjective phrase for a predicate. */
  predicateAdjective(animate: boolean): string[] {
    const adjective = this.adjective(animate);
    return this.random.chance(0.15) ? [this.random.pick(INTENSIFIERS), adjective] : [adjective];
  }

  name(): { name: string; gender: Gender } {
    const gender = this.random.chance(0.5) ? 'm' : 'f';
    return { name: (gender === 'm' ? this.boys : this.girls).draw(this.random), gender };
  }

  /** A noun phrase of the given kind; PLURAL_FORM nouns ("pants") are always plural, SINGULAR_ONLY never. */
  nounPhrase(kind: NounKind, wanted: GrammaticalNumber, options: { adjective?: number; determiner?: boolean } = {}): { tokens: string[]; number: GrammaticalNumber; head: string } {
    const lemma = this.noun(kind);
    const number: GrammaticalNumber = PLURAL_FORM.has(lemma) ? 'pl' : SINGULAR_ONLY.has(lemma) ? 'sg' : wanted;
    const head = number === 'pl' && !PLURAL_FORM.has(lemma) ? pluralOf(lemma) : lemma;
    const animate = kind === 'animal' || kind === 'person';
    const modifiers: string[] = [];
    if (this.random.chance(options.adjective ?? 0.25)) modifiers.push(this.adjective(animate));
    if (modifiers.length > 0 && this.random.chance(0.08)) modifiers.unshift(this.adjective(animate));
    if (options.determiner === false || (FAMILY.includes(lemma) && this.random.chance(0.8))) {
      return { tokens: [...modifiers, head], number, head };
    }
    let determiner = this.random.weighted(number === 'sg' ? SG_DETERMINERS : PL_DETERMINERS);
    if (determiner === 'a') determiner = article(modifiers[0] ?? head);
    determiner = determiner.replace('#', this.number());
    return { tokens: [...determiner.split(' '), ...modifiers, head], number, head };
  }

  /** "some milk", "more juice", "the soup". */
  massPhrase(): string[] {
    const noun = this.substances.draw(this.random);
    const determiner = this.random.weighted(MASS_DETERMINERS);
    const modifier = this.random.chance(0.1) ? [this.adjective(false)] : [];
    return [...determiner.split(' '), ...modifier, noun];
  }

  /** An object: a noun phrase of one of the kinds, a mass noun for food verbs, or a pronoun. */
  object(kinds: readonly NounKind[]): string[] {
    const roll = this.random.next();
    if (roll < 0.15) return [this.random.weighted([[5, 'it'], [2, 'them'], [1, 'him'], [1, 'her'], [1, 'me'], [0.5, 'us']])];
    if (kinds.includes('food') && roll < 0.3) return this.massPhrase();
    return this.nounPhrase(this.random.pick(kinds), this.random.chance(0.65) ? 'sg' : 'pl').tokens;
  }

  /** "on the table", "in the kitchen", "at the park". */
  locative(): string[] {
    if (this.random.chance(0.3)) return [this.random.pick(['at', 'in', 'at']), ...this.nounPhrase('place', 'sg', { adjective: 0.1 }).tokens];
    const kind = this.random.pick<NounKind>(['household', 'household', 'nature', 'toy', 'vehicle']);
    return [...this.preposition().split(' '), ...this.nounPhrase(kind, this.random.chance(0.8) ? 'sg' : 'pl', { adjective: 0.15 }).tokens];
  }

  subject(options: { pronoun?: number; animate?: boolean } = {}): Subject {
    const roll = this.random.next();
    if (roll < (options.pronoun ?? 0.45)) {
      const choice = this.random.weighted(PRONOUNS.filter(([, p]) => !options.animate || p.animate));
      return { ...choice, tokens: [choice.pronoun] };
    }
    if (roll < 0.6) {
      const { name, gender } = this.name();
      return { tokens: [name], person: 3, number: 'sg', gender, animate: true };
    }
    if (roll < 0.68) {
      const family = this.random.pick(FAMILY);
      const gender: Gender = /mommy|grandma|nana|auntie/.test(family) ? 'f' : 'm';
      return { tokens: [family], person: 3, number: 'sg', gender, animate: true };
    }
    const animate = options.animate || roll < 0.9;
    const kind: NounKind = animate ? (this.random.chance(0.5) ? 'animal' : 'person') : this.random.pick<NounKind>(['toy', 'household', 'vehicle', 'food', 'nature']);
    const phrase = this.nounPhrase(kind, this.random.chance(0.65) ? 'sg' : 'pl');
    const gender = PERSON_GENDER.get(phrase.head) ?? PERSON_GENDER.get(pluralSingular(phrase.head)) ?? 'n';
    return { tokens: phrase.tokens, person: 3, number: phrase.number, gender, animate };
  }

  /** The reflexive bound by the subject: himself, herself, themselves, yourself … */
  reflexive(subject: Subject): string {
    if (subject.pronoun && REFLEXIVES[subject.pronoun]) return REFLEXIVES[subject.pronoun];
    if (subject.number === 'pl') return 'themselves';
    if (subject.gender === 'm') return 'himself';
    if (subject.gender === 'f') return 'herself';
    if (!subject.animate) return 'itself';
    return this.random.pick(['himself', 'herself']);
  }
}

/** Only for the gender lookup of plural person nouns ("the boys" → "boy"). */
function pluralSingular(noun: string): string {
  const irregular: Record<string, string> = { men: 'man', women: 'woman', children: 'child', people: 'person', firemen: 'fireman', policemen: 'policeman', mailmen: 'mailman', fishermen: 'fisherman', snowmen: 'snowman', gentlemen: 'gentleman' };
  return irregular[noun] ?? noun.replace(/ies$/, 'y').replace(/(ss|sh|ch|x)es$/, '$1').replace(/s$/, '');
}

const THIRD_SINGULAR = (s: Subject) => s.person === 3 && s.number === 'sg';

export function be(subject: Subject, tense: Tense): string {
  if (tense === 'past') return subject.number === 'sg' && subject.person !== 2 ? 'was' : 'were';
  if (subject.person === 1 && subject.number === 'sg') return 'am';
  return THIRD_SINGULAR(subject) ? 'is' : 'are';
}

export function doAux(subject: Subject, tense: Tense): string {
  if (tense === 'past') return 'did';
  return THIRD_SINGULAR(subject) ? 'does' : 'do';
}

export function haveAux(subject: Subject): string {
  return THIRD_SINGULAR(subject) ? 'has' : 'have';
}

/** The finite form of a lexical verb: "eats", "eat", "ate". */
export function finite(verb: string, subject: Subject, tense: Tense): string {
  if (tense === 'past') return pastOf(verb);
  return THIRD_SINGULAR(subject) ? thirdPersonOf(verb) : verb;
}

const CONTRACTIONS: Record<string, string> = {
  'i am': "i'm", 'you are': "you're", 'he is': "he's", 'she is': "she's", 'it is': "it's", 'we are': "we're",
  'they are': "they're", 'that is': "that's", 'there is': "there's", 'what is': "what's", 'where is': "where's", 'who is': "who's",
  'he has': "he's", 'she has': "she's", 'i have': "i've", 'you have': "you've", 'we have': "we've", 'they have': "they've",
};

/** "he is" → "he's" when English allows it and the coin says so; otherwise the two words. */
export function maybeContract(random: RandomStream, first: string, second: string, p = 0.5): string[] {
  const contracted = CONTRACTIONS[`${first} ${second}`];
  return contracted && random.chance(p) ? [contracted] : [first, second];
}

export function negate(auxiliary: string): string {
  const forms: Record<string, string> = { is: "isn't", are: "aren't", was: "wasn't", were: "weren't", do: "don't", does: "doesn't", did: "didn't", can: "can't", will: "won't", could: "couldn't", should: "shouldn't", would: "wouldn't", has: "hasn't", have: "haven't" };
  return forms[auxiliary] ?? `${auxiliary} not`;
}

