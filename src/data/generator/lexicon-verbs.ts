// Our own verb lists, in rough frequency order. Transitive verbs name the noun kinds they take as objects,
// so the corpus says "eat the cookie" and "wear your hat", not "eat your hat".
import type { NounKind } from './lexicon-nouns.js';

export interface TransitiveVerb {
  base: string;
  objects: readonly NounKind[];
  /** A particle some uses add after the object: "pick the block up", "put your shoes on". */
  particle?: string;
}

const THINGS: NounKind[] = ['toy', 'household', 'clothing', 'food', 'nature'];
const ANIMATE: NounKind[] = ['animal', 'person'];

export const TRANSITIVE: readonly TransitiveVerb[] = [
  { base: 'want', objects: [...THINGS] },
  { base: 'see', objects: [...ANIMATE, ...THINGS, 'vehicle'] },
  { base: 'get', objects: [...THINGS] },
  { base: 'have', objects: [...THINGS] },
  { base: 'like', objects: [...ANIMATE, 'food', 'toy'] },
  { base: 'eat', objects: ['food'] },
  { base: 'put', objects: ['clothing', 'toy', 'household'], particle: 'on' },
  { base: 'find', objects: [...THINGS, 'animal'] },
  { base: 'give', objects: [...THINGS] },
  { base: 'take', objects: [...THINGS], particle: 'off' },
  { base: 'make', objects: ['food', 'toy'] },
  { base: 'read', objects: ['toy'] },
  { base: 'hold', objects: [...THINGS, 'animal'] },
  { base: 'throw', objects: ['toy', 'food'] },
  { base: 'love', objects: [...ANIMATE, 'food', 'toy'] },
  { base: 'need', objects: [...THINGS] },
  { base: 'open', objects: ['household', 'toy', 'food'] },
  { base: 'pick', objects: ['toy', 'household', 'clothing', 'nature'], particle: 'up' },
  { base: 'wear', objects: ['clothing'] },
  { base: 'bring', objects: [...THINGS] },
  { base: 'push', objects: ['toy', 'vehicle', 'household'] },
  { base: 'watch', objects: [...ANIMATE, 'vehicle'] },
  { base: 'drink', objects: ['food'] },
  { base: 'catch', objects: ['toy', 'animal'] },
  { base: 'drop', objects: [...THINGS] },
  { base: 'touch', objects: [...THINGS, 'animal', 'body'] },
  { base: 'feed', objects: ['animal', 'person'] },
  { base: 'hug', objects: [...ANIMATE, 'toy'] },
  { base: 'kiss', objects: [...ANIMATE, 'body'] },
  { base: 'wash', objects: ['body', 'clothing', 'household'] },
  { base: 'brush', objects: ['body', 'animal'] },
  { base: 'clean', objects: ['household', 'toy', 'body'], particle: 'up' },
  { base: 'build', objects: ['toy'] },
  { base: 'draw', objects: [...ANIMATE, 'toy', 'nature', 'vehicle'] },
  { base: 'kick', objects: ['toy'] },
  { base: 'roll', objects: ['toy', 'food'] },
  { base: 'pull', objects: ['toy', 'vehicle', 'clothing'] },
  { base: 'carry', objects: [...THINGS, 'animal'] },
  { base: 'fix', objects: ['toy', 'household', 'vehicle'] },
  { base: 'break', objects: ['toy', 'household'] },
  { base: 'close', objects: ['household', 'toy'] },
  { base: 'cut', objects: ['food'] },
  { base: 'share', objects: ['food', 'toy'] },
  { base: 'help', objects: ANIMATE },
  { base: 'call', objects: ANIMATE },
  { base: 'chase', objects: ANIMATE },
  { base: 'tickle', objects: [...ANIMATE, 'body'] },
  { base: 'pet', objects: ['animal'] },
  { base: 'hear', objects: [...ANIMATE, 'vehicle'] },
  { base: 'smell', objects: ['food', 'nature'] },
  { base: 'taste', objects: ['food'] },
  { base: 'cook', objects: ['food'] },
  { base: 'bake', objects: ['food'] },
  { base: 'finish', objects: ['food'] },
  { base: 'buy', objects: ['food', 'toy', 'clothing'] },
  { base: 'ride', objects: ['vehicle', 'animal'] },
  { base: 'drive', objects: ['vehicle'] },
  { base: 'fill', objects: ['household'], particle: 'up' },
  { base: 'hide', objects: ['toy', 'food', 'clothing'] },
  { base: 'shake', objects: ['toy', 'household'] },
  { base: 'scratch', objects: ['body', 'animal'] },
  { base: 'bite', objects: ['food'] },
  { base: 'lick', objects: ['food'] },
  { base: 'count', objects: [...ANIMATE, 'toy', 'food', 'nature'] },
  { base: 'paint', objects: ['toy', 'household', 'nature'] },
  { base: 'color', objects: ['toy', 'animal', 'nature'] },
  { base: 'fold', objects: ['clothing', 'household'] },
  { base: 'zip', objects: ['clothing'], particle: 'up' },
  { base: 'button', objects: ['clothing'] },
  { base: 'tie', objects: ['clothing'] },
  { base: 'squeeze', objects: ['toy', 'food', 'body'] },
  { base: 'stack', objects: ['toy', 'household'] },
  { base: 'spill', objects: ['food'] },
  { base: 'lose', objects: ['toy', 'clothing'] },
  { base: 'keep', objects: ['toy', 'clothing'] },
  { base: 'show', objects: ['toy', 'body'] },
  { base: 'blow', objects: ['toy', 'nature'] },
  { base: 'dig', objects: ['nature'] },
  { base: 'plant', objects: ['nature'] },
  { base: 'water', objects: ['nature'] },
  { base: 'climb', objects: ['nature', 'household'] },
  { base: 'visit', objects: ['person', 'animal'] },
  { base: 'wake', objects: ANIMATE, particle: 'up' },
  { base: 'cover', objects: ['household', 'body'] },
  { base: 'sweep', objects: ['household'] },
  { base: 'tear', objects: ['toy', 'clothing'] },
  { base: 'pour', objects: ['food'] },
  { base: 'peel', objects: ['food'] },
  { base: 'chew', objects: ['food'] },
  { base: 'bounce', objects: ['toy'] },
  { base: 'hit', objects: ['toy'] },
  { base: 'swing', objects: ['toy'] },
  { base: 'wipe', objects: ['body', 'household'] },
  { base: 'dry', objects: ['body', 'household', 'clothing'] },
  { base: 'bump', objects: ['body'] },
  { base: 'grab', objects: [...THINGS] },
  { base: 'borrow', objects: ['toy', 'clothing'] },
  { base: 'choose', objects: ['toy', 'food', 'clothing'] },
  { base: 'sell', objects: ['food', 'toy'] },
  { base: 'mix', objects: ['food'] },
  { base: 'save', objects: ['food', 'toy'] },
  { base: 'trace', objects: ['toy', 'body'] },
  { base: 'rock', objects: ['person', 'toy'] },
  { base: 'splash', objects: ['person', 'animal'] },
  { base: 'tap', objects: ['toy', 'household', 'body'] },
  { base: 'crush', objects: ['food', 'toy'] },
  { base: 'smash', objects: ['food', 'toy'] },
  { base: 'scare', objects: ANIMATE },
  { base: 'follow', objects: ANIMATE },
  { base: 'tease', objects: ANIMATE },
  { base: 'thank', objects: ['person'] },
  { base: 'miss', objects: ['person', 'animal'] },
  { base: 'meet', objects: ['person', 'animal'] },
  { base: 'teach', objects: ANIMATE },
  { base: 'remember', objects: [...ANIMATE, 'toy', 'place'] },
];

/** Verbs that take a recipient and a thing: "give the dog a bone", "read me a story". */
export const DITRANSITIVE = ['give', 'show', 'bring', 'hand', 'throw', 'pass', 'read', 'make', 'buy', 'send', 'get', 'sing', 'tell', 'lend', 'pour', 'bake', 'draw'];

export const INTRANSITIVE = [
  'go', 'come', 'sleep', 'play', 'eat', 'sit', 'jump', 'run', 'fall', 'cry', 'walk', 'swim', 'fly', 'sing', 'dance',
  'laugh', 'stand', 'hide', 'wait', 'climb', 'crawl', 'hop', 'bark', 'smile', 'work', 'listen', 'rest', 'wake', 'talk',
  'read', 'draw', 'paint', 'shout', 'sneeze', 'cough', 'yawn', 'wiggle', 'splash', 'float', 'sink', 'melt', 'spin',
  'roll', 'bounce', 'skip', 'march', 'clap', 'wave', 'whistle', 'giggle', 'scream', 'snore', 'stretch', 'blink',
  'breathe', 'drip', 'shine', 'grow', 'bloom', 'land', 'crash', 'stop', 'turn', 'slide', 'swing', 'tumble', 'wobble',
  'squeak', 'growl', 'roar', 'moo', 'quack', 'meow', 'oink', 'buzz', 'chirp', 'hiss', 'neigh', 'howl', 'purr',
  'tiptoe', 'kneel', 'lie', 'shiver', 'sweat', 'pretend', 'cheat', 'share', 'help', 'win', 'finish', 'begin', 'leave',
  'arrive', 'move', 'hurry', 'relax', 'behave', 'fight', 'disappear', 'open', 'close', 'ring', 'beep', 'honk',
];

/** Verbs taking a reflexive object: "he hurt himself", "dry yourself". */
export const REFLEXIVE_VERBS = ['hurt', 'wash', 'dry', 'see', 'dress', 'scratch', 'tickle', 'hug', 'help', 'draw', 'feed', 'cover', 'clean', 'bump', 'enjoy', 'teach', 'show', 'pinch', 'bite', 'touch'];

/** Verbs of thinking/saying that take a clause: "i think the dog is hungry". */
export const CLAUSE_VERBS = ['think', 'know', 'bet', 'guess', 'hope', 'say', 'see', 'remember', 'forget', 'wish'];

/** Verbs that take "to VB": "you want to play ?" */
export const TO_VERBS = ['want', 'need', 'like', 'love', 'try', 'have', 'forget', 'remember', 'start', 'learn', 'hate', 'decide'];

export const MODALS = ['can', 'will', 'should', 'could', 'might', 'would', 'must'];
