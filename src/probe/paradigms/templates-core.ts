// The four paradigms the SSA paper reports, with Zorro's file names. Each pair differs only where the
// paradigm says (test/paradigms.test.ts checks each one), so a model prefers the good sentence only if it
// has learned that contrast.
import type { RandomStream, WeightedList } from '../../core/random.js';
import { ANIMATE_KINDS, THING_KINDS, type Noun } from './lexicon-nouns.js';
import { ABOUT_VERBS, VERBS, type Verb } from './lexicon-verbs.js';
import {
  ANIMATE_ADJECTIVES, DEMONSTRATIVES, NAMES, NUMBERS, POSSESSIVES, PREPOSITIONS, REFLEXIVE, SUBJECT_PRONOUNS, THING_ADJECTIVES,
} from './lexicon-words.js';
import {
  firstEmpty, formOf, isAnimate, nounPool, NUMBERS_OF, objectPools, opposite, type GrammaticalNumber, type ParadigmTemplate,
} from './template.js';
import { poolOf, type Vocabulary } from './vocabulary.js';

const single = (word: string): string[] => [word];

/** A second noun that is not the first one (a few redraws; a one-noun pool gives up and repeats it). */
function drawOther(pool: WeightedList<Noun>, random: RandomStream, avoid: Noun): Noun {
  let noun = pool.draw(random);
  for (let tries = 0; tries < 8 && noun.singular === avoid.singular; tries++) noun = pool.draw(random);
  return noun;
}

function wordPool(vocabulary: Vocabulary, words: readonly string[]): WeightedList<string> {
  return poolOf(vocabulary, words, single);
}

/** "the dogs by the tree are hungry ." good vs "… is hungry ." bad: the copula agrees with the nearer noun. */
export const agreementAcrossPrepositionalPhrase: ParadigmTemplate = {
  paradigm: 'agreement_subject_verb-across_prepositional_phrase',
  contrast: 'the copula (is/are, was/were) agrees with the head noun, not with the noun of opposite number in the prepositional phrase',
  prepare(vocabulary) {
    const kinds = [...ANIMATE_KINDS, ...THING_KINDS];
    const nouns = { singular: nounPool(vocabulary, kinds, 'singular'), plural: nounPool(vocabulary, kinds, 'plural') };
    const prepositions = wordPool(vocabulary, PREPOSITIONS);
    const animateAdjectives = wordPool(vocabulary, ANIMATE_ADJECTIVES);
    const thingAdjectives = wordPool(vocabulary, THING_ADJECTIVES);
    const copulas = poolOf(vocabulary, [['is', 'are'], ['was', 'were']] as const, (pair) => pair);
    const missing = firstEmpty({
      'singular nouns': nouns.singular, 'plural nouns': nouns.plural, prepositions,
      'adjectives for people and animals': animateAdjectives, 'adjectives for things': thingAdjectives, 'copulas is/are or was/were': copulas,
    });
    if (missing) return missing;
    return (random) => {
      const number = random.pick(NUMBERS_OF);
      const head = nouns[number].draw(random);
      const attractor = drawOther(nouns[opposite(number)], random, head);
      const preposition = prepositions.draw(random);
      const adjective = (isAnimate(head) ? animateAdjectives : thingAdjectives).draw(random);
      const [singularVerb, pluralVerb] = copulas.draw(random);
      const sentence = (verb: string) => ['the', formOf(head, number), preposition, 'the', formOf(attractor, opposite(number)), verb, adjective, '.'];
      return {
        good: sentence(number === 'singular' ? singularVerb : pluralVerb),
        bad: sentence(number === 'singular' ? pluralVerb : singularVerb),
      };
    };
  },
};

/** "he gave the dog his ball ." good vs "the dog gave his ball he ." bad: subject and recipient swapped. */
export const swappedArguments: ParadigmTemplate = {
  paradigm: 'argument_structure-swapped_arguments',
  contrast: 'the pronoun subject and the recipient noun phrase of a double-object verb trade places',
  prepare(vocabulary) {
    const pronouns = wordPool(vocabulary, SUBJECT_PRONOUNS);
    const recipients = nounPool(vocabulary, ANIMATE_KINDS, 'singular');
    const possessives = wordPool(vocabulary, POSSESSIVES);
    const objects = { singular: objectPools(vocabulary, 'singular'), plural: objectPools(vocabulary, 'plural') };
    const verbs = poolOf(
      vocabulary,
      VERBS.filter((verb) => verb.ditransitive && objects.singular(verb).size > 0 && objects.plural(verb).size > 0),
      (verb) => [verb.vbd],
    );
    const missing = firstEmpty({
      'subject pronouns (he she we they i)': pronouns, 'singular person or animal nouns': recipients,
      'possessives': possessives, 'double-object verbs with a whole-word past tense': verbs,
    });
    if (missing) return missing;
    return (random) => {
      const pronoun = pronouns.draw(random);
      const verb = verbs.draw(random);
      const recipient = recipients.draw(random).singular;
      const number = random.pick(NUMBERS_OF);
      const thing = formOf(objects[number](verb).draw(random), number);
      const possessive = possessives.draw(random);
      return {
        good: [pronoun, verb.vbd, 'the', recipient, possessive, thing, '.'],
        bad: ['the', recipient, verb.vbd, possessive, thing, pronoun, '.'],
      };
    };
  },
};

interface ReflexiveVerbChoice {
  verb: Verb;
  /** The finite form that replaces the gerund in the bad sentence. */
  finite: string;
}

/** "ben thinks about himself eating the cake ." good vs "… ate the cake ." bad: a finite verb after the reflexive. */
export const principleA: ParadigmTemplate = {
  paradigm: 'binding-principle_a',
  contrast: 'after "NAME thinks about himself/herself" the verb is a gerund (VBG) in the good sentence and finite (VBD or VBZ) in the bad one',
  prepare(vocabulary) {
    const names = poolOf(vocabulary, NAMES, (name) => [name.name]);
    const frames = wordPool(vocabulary, ABOUT_VERBS);
    const objects = { singular: objectPools(vocabulary, 'singular'), plural: objectPools(vocabulary, 'plural') };
    const choices: ReflexiveVerbChoice[] = VERBS.filter((verb) => objects.singular(verb).size > 0 && objects.plural(verb).size > 0)
      .flatMap((verb) => [{ verb, finite: verb.vbd }, { verb, finite: verb.vbz }]);
    const verbs = poolOf(vocabulary, choices, (choice) => [choice.verb.vbg, choice.finite]);
    const missing = firstEmpty({
      'names': names, 'frame verbs (thinks, thought, talks, …)': frames, 'verbs with whole-word gerund and past or -s forms': verbs,
    });
    if (missing) return missing;
    return (random) => {
      const name = names.draw(random);
      const frame = frames.draw(random);
      const { verb, finite } = verbs.draw(random);
      const number: GrammaticalNumber = random.pick(NUMBERS_OF);
      const determiner = random.pick(['the', ...DEMONSTRATIVES[number]]);
      const object = formOf(objects[number](verb).draw(random), number);
      const sentence = (verbForm: string) => [name.name, frame, 'about', REFLEXIVE[name.gender], verbForm, determiner, object, '.'];
      return { good: sentence(verb.vbg), bad: sentence(finite) };
    };
  },
};

/** Quantifier pairs that bound the same side: "more than" ~ "at least", "fewer than" ~ "at most". */
const QUANTIFIERS: readonly { good: readonly string[]; bad: readonly string[] }[] = [
  { good: ['more', 'than'], bad: ['at', 'least'] },
  { good: ['fewer', 'than'], bad: ['at', 'most'] },
];

/** "no dog can eat more than three cookies ." good vs "… at least three cookies ." bad: superlative under "no". */
export const superlativeQuantifiers: ParadigmTemplate = {
  paradigm: 'quantifiers-superlative',
  contrast: 'under "no N", a comparative quantifier (more than / fewer than) is good and the superlative one (at least / at most) bad',
  prepare(vocabulary) {
    const subjects = nounPool(vocabulary, ANIMATE_KINDS, 'singular');
    const modals = wordPool(vocabulary, ['can', 'could']);
    const objects = objectPools(vocabulary, 'plural');
    const verbs = poolOf(vocabulary, VERBS.filter((verb) => objects(verb).size > 0), (verb) => [verb.vb]);
    const numbers = wordPool(vocabulary, NUMBERS);
    const missing = firstEmpty({
      'singular person or animal nouns': subjects, 'modals can/could': modals, 'transitive verbs': verbs, 'number words': numbers,
    });
    if (missing) return missing;
    return (random) => {
      const subject = subjects.draw(random).singular;
      const modal = modals.draw(random);
      const verb = verbs.draw(random);
      const quantifier = random.pick(QUANTIFIERS);
      const count = numbers.draw(random);
      const object = objects(verb).draw(random).plural;
      const sentence = (words: readonly string[]) => ['no', subject, modal, verb.vb, ...words, count, object, '.'];
      return { good: sentence(quantifier.good), bad: sentence(quantifier.bad) };
    };
  },
};
