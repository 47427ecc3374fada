// English inflection, the one copy: plurals, verb forms, comparatives, for the corpus generator's word lists and
// the probe lexicon alike (the lists themselves stay apart on purpose). Regular rules plus explicit tables,
// because spelling rules alone get "ran", "mice" and consonant doubling wrong.

const IRREGULAR_PLURALS: Record<string, string> = {
  child: 'children', man: 'men', woman: 'women', foot: 'feet', tooth: 'teeth', mouse: 'mice', goose: 'geese',
  person: 'people', sheep: 'sheep', fish: 'fish', deer: 'deer', moose: 'moose', leaf: 'leaves', knife: 'knives',
  wolf: 'wolves', loaf: 'loaves', shelf: 'shelves', calf: 'calves', scarf: 'scarves', elf: 'elves', wife: 'wives',
  potato: 'potatoes', tomato: 'tomatoes', mango: 'mangoes', volcano: 'volcanoes', hero: 'heroes', ox: 'oxen',
  fireman: 'firemen', snowman: 'snowmen', policeman: 'policemen', fisherman: 'fishermen', mailman: 'mailmen',
  gentleman: 'gentlemen',
};

/** A plural by the regular spelling rules, or from the table. */
export function pluralOf(noun: string): string {
  const irregular = IRREGULAR_PLURALS[noun];
  if (irregular) return irregular;
  if (/(s|x|z|ch|sh)$/.test(noun)) return `${noun}es`;
  if (/[^aeiou]y$/.test(noun)) return `${noun.slice(0, -1)}ies`;
  return `${noun}s`;
}

/** Third person singular present: "goes", "flies", "watches", "has" (spelling rules only: no noun's plural). */
export function thirdPersonOf(verb: string): string {
  if (verb === 'have') return 'has';
  if (verb === 'do' || verb === 'go') return `${verb}es`;
  if (/(s|x|z|ch|sh)$/.test(verb)) return `${verb}es`;
  if (/[^aeiou]y$/.test(verb)) return `${verb.slice(0, -1)}ies`;
  return `${verb}s`;
}

/** [past, past participle] of the irregular verbs the lexicon uses. */
const IRREGULAR_VERBS: Record<string, [string, string]> = {
  be: ['was', 'been'], have: ['had', 'had'], do: ['did', 'done'], go: ['went', 'gone'], eat: ['ate', 'eaten'],
  see: ['saw', 'seen'], make: ['made', 'made'], take: ['took', 'taken'], give: ['gave', 'given'], get: ['got', 'gotten'],
  put: ['put', 'put'], come: ['came', 'come'], find: ['found', 'found'], run: ['ran', 'run'], sit: ['sat', 'sat'],
  stand: ['stood', 'stood'], fall: ['fell', 'fallen'], break: ['broke', 'broken'], drink: ['drank', 'drunk'],
  throw: ['threw', 'thrown'], catch: ['caught', 'caught'], hold: ['held', 'held'], bring: ['brought', 'brought'],
  buy: ['bought', 'bought'], build: ['built', 'built'], draw: ['drew', 'drawn'], write: ['wrote', 'written'],
  read: ['read', 'read'], ride: ['rode', 'ridden'], drive: ['drove', 'driven'], fly: ['flew', 'flown'],
  swim: ['swam', 'swum'], sing: ['sang', 'sung'], ring: ['rang', 'rung'], sleep: ['slept', 'slept'],
  keep: ['kept', 'kept'], feed: ['fed', 'fed'], feel: ['felt', 'felt'], hear: ['heard', 'heard'], hide: ['hid', 'hidden'],
  bite: ['bit', 'bitten'], blow: ['blew', 'blown'], grow: ['grew', 'grown'], know: ['knew', 'known'],
  wear: ['wore', 'worn'], tear: ['tore', 'torn'], shake: ['shook', 'shaken'], cut: ['cut', 'cut'], hit: ['hit', 'hit'],
  shut: ['shut', 'shut'], spill: ['spilled', 'spilled'], lose: ['lost', 'lost'], leave: ['left', 'left'],
  tell: ['told', 'told'], say: ['said', 'said'], sell: ['sold', 'sold'], send: ['sent', 'sent'], spend: ['spent', 'spent'],
  bend: ['bent', 'bent'], lend: ['lent', 'lent'], win: ['won', 'won'], dig: ['dug', 'dug'], spin: ['spun', 'spun'],
  stick: ['stuck', 'stuck'], swing: ['swung', 'swung'], sweep: ['swept', 'swept'], wake: ['woke', 'woken'],
  choose: ['chose', 'chosen'], forget: ['forgot', 'forgotten'], freeze: ['froze', 'frozen'], steal: ['stole', 'stolen'],
  slide: ['slid', 'slid'], light: ['lit', 'lit'], meet: ['met', 'met'], pay: ['paid', 'paid'], lay: ['laid', 'laid'],
  think: ['thought', 'thought'], teach: ['taught', 'taught'], fight: ['fought', 'fought'], understand: ['understood', 'understood'],
  begin: ['began', 'begun'], become: ['became', 'become'], let: ['let', 'let'], set: ['set', 'set'], shoot: ['shot', 'shot'],
  hang: ['hung', 'hung'], lie: ['lay', 'lain'], split: ['split', 'split'], quit: ['quit', 'quit'], show: ['showed', 'shown'],
};

/** Verbs that double their final consonant before -ed and -ing ("stopped", "running"). */
const DOUBLING = new Set(
  'stop hop drop clap hug jog skip step rub grab pat tap plan nap mop hum wrap shop dig run sit swim get cut put hit begin spin shut trip zip pop chop drag knit tip nod beg rob scrub sob spot stir swap tug whip bat dip slip pet chat grin flap snap trap wag win let set'.split(' '),
);

function regularPast(verb: string): string {
  if (verb.endsWith('e')) return `${verb}d`;
  if (/[^aeiou]y$/.test(verb)) return `${verb.slice(0, -1)}ied`;
  if (DOUBLING.has(verb)) return `${verb}${verb.at(-1)}ed`;
  return `${verb}ed`;
}

export function pastOf(verb: string): string {
  return IRREGULAR_VERBS[verb]?.[0] ?? regularPast(verb);
}

export function pastParticipleOf(verb: string): string {
  return IRREGULAR_VERBS[verb]?.[1] ?? regularPast(verb);
}

export function progressiveOf(verb: string): string {
  if (verb.endsWith('ie')) return `${verb.slice(0, -2)}ying`;
  if (/[^aeio]e$/.test(verb) && verb !== 'be') return `${verb.slice(0, -1)}ing`;
  if (DOUBLING.has(verb)) return `${verb}${verb.at(-1)}ing`;
  return `${verb}ing`;
}

const IRREGULAR_COMPARATIVES: Record<string, [string, string]> = {
  good: ['better', 'best'], bad: ['worse', 'worst'], far: ['farther', 'farthest'], little: ['littler', 'littlest'],
};

/** [comparative, superlative]: "bigger"/"biggest", "funnier"/"funniest". */
export function comparativesOf(adjective: string): [string, string] {
  const irregular = IRREGULAR_COMPARATIVES[adjective];
  if (irregular) return irregular;
  if (adjective.endsWith('e')) return [`${adjective}r`, `${adjective}st`];
  if (/[^aeiou]y$/.test(adjective)) return [`${adjective.slice(0, -1)}ier`, `${adjective.slice(0, -1)}iest`];
  if (/^[^aeiou]*[aeiou][bdgmnpt]$/.test(adjective)) {
    const doubled = adjective + adjective.at(-1);
    return [`${doubled}er`, `${doubled}est`];
  }
  return [`${adjective}er`, `${adjective}est`];
}
