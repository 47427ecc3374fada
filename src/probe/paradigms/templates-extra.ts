// Further Zorro paradigms, beyond the four the SSA paper reports: determiner–noun agreement, agreement in
// questions, reflexive gender, and pronoun case. Same rules: one contrast per pair, whole-word slot words.
import type { WeightedList } from '../../core/random.js';
import { ANIMATE_KINDS, THING_KINDS, hasDistinctPlural, NOUNS, type Noun } from './lexicon-nouns.js';
import { MODALS, REFLEXIVE_VERBS, VERBS } from './lexicon-verbs.js';
import { ANIMATE_ADJECTIVES, DEMONSTRATIVES, NAMES, POSSESSIVES, REFLEXIVE, THING_ADJECTIVES } from './lexicon-words.js';
import { firstEmpty, formOf, isAnimate, nounPool, NUMBERS_OF, objectPools, opposite, type ParadigmTemplate } from './template.js';
import { poolOf, type Vocabulary } from './vocabulary.js';

const single = (word: string): string[] => [word];
const ALL_KINDS = [...ANIMATE_KINDS, ...THING_KINDS];

/** Openings before a demonstrative object ("look at this dog", "i want those cups"). */
const OBJECT_FRAMES: readonly (readonly string[])[] = [
  ['look', 'at'], ['i', 'like'], ['i', 'want'], ['i', 'see'], ['you', 'have'], ['we', 'need'], ['they', 'found'], ['she', 'wants'],
  ['he', 'has'], ['we', 'saw'],
];

/** Nouns whose singular and plural are both usable: pairs that flip a noun's number need both forms. */
function bothNumbersPool(vocabulary: Vocabulary): WeightedList<Noun> {
  return poolOf(vocabulary, NOUNS.filter((noun) => ALL_KINDS.includes(noun.kind) && hasDistinctPlural(noun)), (noun) => [noun.singular, noun.plural]);
}

/** "look at this dog ." good vs "look at this dogs ." bad (and other openings: "i want these cups ."). */
export const determinerNounNeighbors: ParadigmTemplate = {
  paradigm: 'agreement_determiner_noun-between_neighbors',
  contrast: 'the noun right after a demonstrative (this/that, these/those) agrees with it in number in the good sentence only',
  prepare(vocabulary) {
    const nouns = bothNumbersPool(vocabulary);
    const determiners = { singular: poolOf(vocabulary, DEMONSTRATIVES.singular, single), plural: poolOf(vocabulary, DEMONSTRATIVES.plural, single) };
    const frames = poolOf(vocabulary, OBJECT_FRAMES, (frame) => frame);
    const missing = firstEmpty({ 'nouns with both numbers': nouns, 'this/that': determiners.singular, 'these/those': determiners.plural, 'openings (look at, i want, …)': frames });
    if (missing) return missing;
    return (random) => {
      const number = random.pick(NUMBERS_OF);
      const noun = nouns.draw(random);
      const determiner = determiners[number].draw(random);
      const frame = frames.draw(random);
      const sentence = (form: string) => [...frame, determiner, form, '.'];
      return { good: sentence(formOf(noun, number)), bad: sentence(formOf(noun, opposite(number))) };
    };
  },
};

/** "look at this big dog ." good vs "look at this big dogs ." bad: the adjective separates determiner and noun. */
export const determinerNounAcrossAdjective: ParadigmTemplate = {
  paradigm: 'agreement_determiner_noun-across_1_adjective',
  contrast: 'the noun after "demonstrative adjective" agrees with the demonstrative in number in the good sentence only',
  prepare(vocabulary) {
    const nouns = bothNumbersPool(vocabulary);
    const determiners = { singular: poolOf(vocabulary, DEMONSTRATIVES.singular, single), plural: poolOf(vocabulary, DEMONSTRATIVES.plural, single) };
    const animateAdjectives = poolOf(vocabulary, ANIMATE_ADJECTIVES, single);
    const thingAdjectives = poolOf(vocabulary, THING_ADJECTIVES, single);
    const frames = poolOf(vocabulary, OBJECT_FRAMES, (frame) => frame);
    const missing = firstEmpty({
      'nouns with both numbers': nouns, 'this/that': determiners.singular, 'these/those': determiners.plural,
      'adjectives for people and animals': animateAdjectives, 'adjectives for things': thingAdjectives, 'openings (look at, i want, …)': frames,
    });
    if (missing) return missing;
    return (random) => {
      const number = random.pick(NUMBERS_OF);
      const noun = nouns.draw(random);
      const determiner = determiners[number].draw(random);
      const adjective = (isAnimate(noun) ? animateAdjectives : thingAdjectives).draw(random);
      const frame = frames.draw(random);
      const sentence = (form: string) => [...frame, determiner, adjective, form, '.'];
      return { good: sentence(formOf(noun, number)), bad: sentence(formOf(noun, opposite(number))) };
    };
  },
};

/** "where is the dog ?" good vs "where are the dog ?" bad (also "how were your shoes ?"). */
export const agreementInSimpleQuestion: ParadigmTemplate = {
  paradigm: 'agreement_subject_verb-in_simple_question',
  contrast: 'the copula fronted in a wh-question (is/are, was/were) agrees with the subject noun in the good sentence only',
  prepare(vocabulary) {
    const nouns = { singular: nounPool(vocabulary, ALL_KINDS, 'singular'), plural: nounPool(vocabulary, ALL_KINDS, 'plural') };
    const whWords = poolOf(vocabulary, ['where', 'how'], single);
    const determiners = poolOf(vocabulary, ['the', ...POSSESSIVES], single);
    const copulas = poolOf(vocabulary, [['is', 'are'], ['was', 'were']] as const, (pair) => pair);
    const missing = firstEmpty({
      'singular nouns': nouns.singular, 'plural nouns': nouns.plural, 'wh-words where/how': whWords, 'determiners': determiners, 'copulas is/are or was/were': copulas,
    });
    if (missing) return missing;
    return (random) => {
      const number = random.pick(NUMBERS_OF);
      const noun = formOf(nouns[number].draw(random), number);
      const wh = whWords.draw(random);
      const determiner = determiners.draw(random);
      const [singularVerb, pluralVerb] = copulas.draw(random);
      const sentence = (verb: string) => [wh, verb, determiner, noun, '?'];
      return {
        good: sentence(number === 'singular' ? singularVerb : pluralVerb),
        bad: sentence(number === 'singular' ? pluralVerb : singularVerb),
      };
    };
  },
};

/** "ben saw himself ." / "ben can see himself ." good vs "… herself ." bad. */
export const reflexiveGender: ParadigmTemplate = {
  paradigm: 'anaphor_agreement-pronoun_gender',
  contrast: 'the reflexive object matches the gender of the name in the good sentence (himself/herself) and not in the bad one',
  prepare(vocabulary) {
    const names = poolOf(vocabulary, NAMES, (name) => [name.name]);
    const reflexiveVerbs = VERBS.filter((verb) => REFLEXIVE_VERBS.includes(verb.vb));
    // A past form alone ("ben saw") or a modal and the bare verb ("ben can see").
    const predicates = poolOf(
      vocabulary,
      [...reflexiveVerbs.map((verb) => [verb.vbd]), ...MODALS.flatMap((modal) => reflexiveVerbs.map((verb) => [modal, verb.vb]))],
      (words) => words,
    );
    const missing = firstEmpty({ names, 'verbs taking a reflexive object': predicates });
    if (missing) return missing;
    return (random) => {
      const name = names.draw(random);
      const predicate = predicates.draw(random);
      return {
        good: [name.name, ...predicate, REFLEXIVE[name.gender], '.'],
        bad: [name.name, ...predicate, REFLEXIVE[name.gender === 'm' ? 'f' : 'm'], '.'],
      };
    };
  },
};

/** Subject pronouns and the object forms that replace them in the bad sentence. */
const CASE_PAIRS: readonly (readonly [string, string])[] = [['he', 'him'], ['she', 'her'], ['we', 'us'], ['they', 'them'], ['i', 'me']];

/** "he found the ball ." good vs "him found the ball ." bad. */
export const subjectivePronoun: ParadigmTemplate = {
  paradigm: 'case-subjective_pronoun',
  contrast: 'the subject pronoun is nominative (he, she, we, they, i) in the good sentence and accusative (him, her, us, them, me) in the bad one',
  prepare(vocabulary) {
    const pronouns = poolOf(vocabulary, CASE_PAIRS, (pair) => pair);
    const objects = { singular: objectPools(vocabulary, 'singular'), plural: objectPools(vocabulary, 'plural') };
    const verbs = poolOf(vocabulary, VERBS.filter((verb) => objects.singular(verb).size > 0 && objects.plural(verb).size > 0), (verb) => [verb.vbd]);
    const missing = firstEmpty({ 'pronoun pairs (he/him, she/her, …)': pronouns, 'transitive verbs with a whole-word past tense': verbs });
    if (missing) return missing;
    return (random) => {
      const [subject, object] = pronouns.draw(random);
      const verb = verbs.draw(random);
      const number = random.pick(NUMBERS_OF);
      const thing = formOf(objects[number](verb).draw(random), number);
      const sentence = (pronoun: string) => [pronoun, verb.vbd, 'the', thing, '.'];
      return { good: sentence(subject), bad: sentence(object) };
    };
  },
};
