// The probe lexicon's closed classes and small open ones: adjectives (by what they describe), names with
// gender, number words, prepositions, pronouns and determiners.
import type { Gender } from './lexicon-nouns.js';

function list(words: string): string[] {
  return words.trim().split(/\s+/);
}

/** Adjectives that describe things (and may describe animals): "the cups on the table are dirty". */
export const THING_ADJECTIVES: readonly string[] = list(`
  big little small red blue green yellow orange purple pink brown black white hot cold wet dry dirty clean
  new old broken soft hard round heavy long short tall shiny sticky fuzzy empty full sharp smooth bumpy
  warm cool fast slow tiny huge yummy sweet sour salty messy squishy fluffy furry thin flat special`);

/** Adjectives that describe people and animals: "the dog by the trees is hungry". */
export const ANIMATE_ADJECTIVES: readonly string[] = list(`
  happy sad hungry tired sleepy nice funny silly scared cute sweet brave angry grumpy mad cranky busy careful
  gentle kind naughty shy strong smart proud lonely thirsty sick sore excited lucky friendly quiet noisy
  ready upset bored curious clever polite rude lazy patient quick fussy sneaky cheerful grouchy big little`);

export interface Name {
  name: string;
  gender: Gender;
}

function namesOf(gender: Gender, words: string): Name[] {
  return list(words).map((name) => ({ name, gender }));
}

/** Lower-case, as Zorro and AO-CHILDES write them. Unisex names (alex, sam) are left out: gender must be clear. */
export const NAMES: readonly Name[] = [
  ...namesOf('m', `
    ben jack max tom adam peter paul john mark eric david mike nick ryan kevin luke jake matt josh danny tim
    billy bobby joey charlie henry oliver leo noah ethan owen liam mason lucas james george frank oscar hugo
    felix jason aaron tony andy steve nathan simon carl pete ian`),
  ...namesOf('f', `
    sarah emma lily anna mary laura kate lucy sophie amy ella chloe grace mia ruby rose julia emily hannah
    olivia abby jenny molly katie annie nina maria eva alice zoe claire susan betty jane amanda lisa megan
    rachel nora ivy violet daisy holly sally nancy tina wendy ellie naomi ava`),
];

export const REFLEXIVE: Readonly<Record<Gender, string>> = { m: 'himself', f: 'herself' };

/** Number words of two or more, so the noun after them is plural. */
export const NUMBERS: readonly string[] = list('two three four five six seven eight nine ten eleven twelve twenty');

/** One-word prepositions that make a locative modifier of a noun: "the dog by the trees". */
export const PREPOSITIONS: readonly string[] = list('on by near under behind beside above below inside with');

/**
 * Subject pronouns whose case shows: after a verb, "he/she/we/they/i" cannot be objects, so swapping one
 * with the object makes the sentence ungrammatical. "you" and "it" look the same in both cases and are left out.
 */
export const SUBJECT_PRONOUNS: readonly string[] = list('he she we they i');

/** Possessive determiners before a singular or plural noun. */
export const POSSESSIVES: readonly string[] = list('his her my your their our');

/** Demonstratives by number ("this dog", "these dogs"). */
export const DEMONSTRATIVES: Readonly<Record<'singular' | 'plural', readonly string[]>> = {
  singular: ['this', 'that'],
  plural: ['these', 'those'],
};
