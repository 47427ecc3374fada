// The probe lexicon's verbs with all five forms (VB, VBD, VBG, VBZ, VBN) and the noun kinds they take as
// objects, so templates say "eat the cookie" rather than "eat the river". The forms come from the one
// morphology (src/data/morphology.ts), which the corpus generator uses too.
import { pastOf, pastParticipleOf, progressiveOf, thirdPersonOf } from '../../data/morphology.js';
import { ANIMATE_KINDS, THING_KINDS, type NounKind } from './lexicon-nouns.js';

export interface Verb {
  vb: string;
  vbd: string;
  vbg: string;
  vbz: string;
  vbn: string;
  /** Kinds of direct object. */
  objects: readonly NounKind[];
  /** Takes a recipient and a thing: "she gave the dog his ball". */
  ditransitive: boolean;
}

function verb(vb: string, objects: readonly NounKind[], ditransitive = false): Verb {
  return { vb, vbd: pastOf(vb), vbg: progressiveOf(vb), vbz: thirdPersonOf(vb), vbn: pastParticipleOf(vb), objects, ditransitive };
}

const THINGS = THING_KINDS.filter((kind) => kind !== 'vehicle');
const SMALL_THINGS: NounKind[] = ['food', 'toy', 'clothing', 'household'];

export const VERBS: readonly Verb[] = [
  verb('want', THINGS),
  verb('see', [...ANIMATE_KINDS, ...THING_KINDS]),
  verb('get', SMALL_THINGS, true),
  verb('have', THINGS),
  verb('like', [...ANIMATE_KINDS, 'food', 'toy']),
  verb('eat', ['food']),
  verb('find', [...THINGS, 'animal']),
  verb('give', SMALL_THINGS, true),
  verb('take', SMALL_THINGS),
  verb('make', ['food', 'toy'], true),
  verb('read', ['toy'], true),
  verb('hold', [...SMALL_THINGS, 'animal']),
  verb('throw', ['toy', 'food'], true),
  verb('love', [...ANIMATE_KINDS, 'food', 'toy']),
  verb('need', THINGS),
  verb('open', ['household', 'toy']),
  verb('wear', ['clothing']),
  verb('bring', SMALL_THINGS, true),
  verb('push', ['toy', 'vehicle', 'household']),
  verb('watch', [...ANIMATE_KINDS, 'vehicle']),
  verb('catch', ['toy', 'animal']),
  verb('drop', SMALL_THINGS),
  verb('touch', [...THINGS, 'animal', 'body']),
  verb('feed', ['animal', 'person']),
  verb('hug', [...ANIMATE_KINDS, 'toy']),
  verb('kiss', ANIMATE_KINDS),
  verb('wash', ['body', 'clothing', 'household']),
  verb('brush', ['body', 'animal']),
  verb('clean', ['household', 'toy', 'body']),
  verb('build', ['toy']),
  verb('draw', [...ANIMATE_KINDS, 'toy', 'nature', 'vehicle']),
  verb('kick', ['toy']),
  verb('roll', ['toy', 'food']),
  verb('pull', ['toy', 'vehicle', 'clothing']),
  verb('carry', [...SMALL_THINGS, 'animal']),
  verb('fix', ['toy', 'household', 'vehicle']),
  verb('break', ['toy', 'household']),
  verb('cut', ['food']),
  verb('share', ['food', 'toy']),
  verb('help', ANIMATE_KINDS),
  verb('call', ANIMATE_KINDS),
  verb('chase', ANIMATE_KINDS),
  verb('tickle', ANIMATE_KINDS),
  verb('pet', ['animal']),
  verb('hear', [...ANIMATE_KINDS, 'vehicle']),
  verb('smell', ['food', 'nature']),
  verb('cook', ['food'], true),
  verb('bake', ['food'], true),
  verb('buy', ['food', 'toy', 'clothing'], true),
  verb('ride', ['vehicle', 'animal']),
  verb('drive', ['vehicle']),
  verb('hide', SMALL_THINGS),
  verb('shake', ['toy', 'household']),
  verb('bite', ['food']),
  verb('lose', ['toy', 'clothing']),
  verb('keep', ['toy', 'clothing']),
  verb('show', ['toy', 'body'], true),
  verb('count', [...ANIMATE_KINDS, 'toy', 'food', 'nature']),
  verb('paint', ['toy', 'household', 'nature']),
  verb('fold', ['clothing', 'household']),
  verb('sell', ['food', 'toy'], true),
  verb('pass', SMALL_THINGS, true),
  verb('hand', SMALL_THINGS, true),
  verb('send', ['toy'], true),
  verb('tell', ['toy'], true),
  verb('sing', ['toy'], true),
  verb('grab', SMALL_THINGS),
  verb('visit', ['person', 'animal']),
  verb('teach', ANIMATE_KINDS),
  verb('meet', ANIMATE_KINDS),
  verb('follow', ANIMATE_KINDS),
  verb('scare', ANIMATE_KINDS),
  verb('choose', ['toy', 'food', 'clothing']),
  verb('hit', ['toy']),
  verb('tie', ['clothing']),
].filter((entry, index, all) => all.findIndex((other) => other.vb === entry.vb) === index);

/** Verbs that take a reflexive object naturally ("ben saw himself", "she can help herself"). */
export const REFLEXIVE_VERBS: readonly string[] = ['see', 'like', 'love', 'help', 'tickle', 'hug', 'feed', 'draw', 'teach', 'scare', 'watch', 'hear', 'wash', 'brush', 'touch', 'hide'];

/** Verbs about which one "thinks about himself …": the frame of principle A, in the forms a frame can take. */
export const ABOUT_VERBS: readonly string[] = ['thinks', 'thought', 'talks', 'talked', 'dreams', 'dreamed', 'worries', 'worried', 'cares', 'cared'];

/** Modal auxiliaries before a bare verb ("no dog can eat …"). */
export const MODALS: readonly string[] = ['can', 'could', 'will', 'would', 'should', 'might'];
