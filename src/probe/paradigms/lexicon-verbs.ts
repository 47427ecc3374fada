// The probe lexicon's verbs with all five forms (VB, VBD, VBG, VBZ, VBN) and the noun kinds they take as
// objects, so templates say "eat the cookie" rather than "eat the river". Regular forms come from spelling
// rules; irregular verbs list their forms.
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

/** vbd vbg vbz vbn of verbs no spelling rule covers. */
const IRREGULAR: Readonly<Record<string, string>> = {
  see: 'saw seeing sees seen', get: 'got getting gets gotten', have: 'had having has had',
  eat: 'ate eating eats eaten', find: 'found finding finds found', give: 'gave giving gives given',
  take: 'took taking takes taken', make: 'made making makes made', read: 'read reading reads read',
  hold: 'held holding holds held', throw: 'threw throwing throws thrown', bring: 'brought bringing brings brought',
  catch: 'caught catching catches caught', build: 'built building builds built', draw: 'drew drawing draws drawn',
  break: 'broke breaking breaks broken', cut: 'cut cutting cuts cut', hear: 'heard hearing hears heard',
  buy: 'bought buying buys bought', ride: 'rode riding rides ridden', drive: 'drove driving drives driven',
  hide: 'hid hiding hides hidden', shake: 'shook shaking shakes shaken', bite: 'bit biting bites bitten',
  lose: 'lost losing loses lost', keep: 'kept keeping keeps kept', show: 'showed showing shows shown',
  sell: 'sold selling sells sold', tell: 'told telling tells told', send: 'sent sending sends sent',
  sing: 'sang singing sings sung', wear: 'wore wearing wears worn', teach: 'taught teaching teaches taught',
  meet: 'met meeting meets met', hit: 'hit hitting hits hit', feed: 'fed feeding feeds fed',
  choose: 'chose choosing chooses chosen', tie: 'tied tying ties tied',
};

/** Verbs that double their last consonant before -ed/-ing (hug → hugged, hugging). */
const DOUBLES = new Set(['hug', 'pet', 'drop', 'grab']);

function regularForms(vb: string): [string, string, string, string] {
  const vbz = /(s|x|z|ch|sh)$/.test(vb) ? `${vb}es` : /[^aeiou]y$/.test(vb) ? `${vb.slice(0, -1)}ies` : `${vb}s`;
  const stem = DOUBLES.has(vb) ? vb + vb[vb.length - 1] : vb;
  let vbd: string;
  let vbg: string;
  if (vb.endsWith('e')) {
    vbd = `${vb}d`;
    vbg = /(ee|ye|oe)$/.test(vb) ? `${vb}ing` : `${vb.slice(0, -1)}ing`;
  } else if (/[^aeiou]y$/.test(vb)) {
    vbd = `${vb.slice(0, -1)}ied`;
    vbg = `${vb}ing`;
  } else {
    vbd = `${stem}ed`;
    vbg = `${stem}ing`;
  }
  return [vbd, vbg, vbz, vbd];
}

function verb(vb: string, objects: readonly NounKind[], ditransitive = false): Verb {
  const irregular = IRREGULAR[vb];
  const [vbd, vbg, vbz, vbn] = irregular === undefined ? regularForms(vb) : (irregular.split(' ') as [string, string, string, string]);
  return { vb, vbd, vbg, vbz, vbn, objects, ditransitive };
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
