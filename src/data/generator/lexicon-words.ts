// Adjectives, names, numbers, prepositions and the short fixed phrases of child-directed speech.
import { words } from './zipf.js';

/** Adjectives for things (and animals): size, colour, texture, state. */
export const THING_ADJECTIVES = words(`
  big little red blue green yellow small hot dirty wet pretty nice new old soft round white black pink purple
  orange brown broken clean dry cold yummy heavy long tall short funny silly sticky fuzzy shiny loud quiet
  sharp smooth bumpy hard empty full warm cool fast slow tiny huge giant special favorite messy spicy sweet
  sour salty crunchy juicy fresh yucky stinky squishy bouncy fluffy furry spotted striped curly straight
  square flat thick thin light dark bright gray golden silver wooden plastic
  fancy gooey slimy scratchy prickly slippery muddy dusty sandy rusty leaky noisy lumpy crispy chewy creamy
  frozen melted cracked ripe rotten sparkly glittery colorful polka plain lovely gorgeous
  beautiful ugly strange weird wild tame wiggly wobbly
`);

/** Adjectives for people and animals: feelings and states. */
export const ANIMATE_ADJECTIVES = words(`
  happy good hungry tired sad sleepy nice funny silly scared big little cute sweet brave angry grumpy mad
  cranky busy careful gentle kind naughty shy strong smart proud lonely thirsty sick sore excited lucky
  friendly quiet noisy cold hot wet dirty clean ready hurt upset bored curious clever polite rude lazy
  patient quick fussy sneaky jolly cheerful grouchy
`);

/** Short adjectives that have -er/-est forms in child talk ("bigger", "the biggest"). */
export const GRADABLE = words(`
  big little small tall short long fast slow hot cold soft hard heavy loud quiet funny silly happy dirty
  clean wet dry pretty nice old new young strong high low warm cool dark bright sweet full empty good bad
`);

export const COLORS = words(`red blue green yellow orange purple pink brown black white gray`);

export const BOY_NAMES = words(`
  ben jack sam max tom adam peter paul john mark eric david mike nick alex ryan kevin luke jake matt josh
  danny tim billy bobby joey charlie henry oliver leo noah ethan owen liam mason lucas james will george
  frank oscar hugo felix jason aaron tony andy chris steve ross nathan simon carl pete ian
`);

export const GIRL_NAMES = words(`
  sarah emma lily anna mary laura kate lucy sophie amy ella chloe grace mia ruby rose julia emily hannah
  olivia abby jenny molly katie annie nina maria eva alice zoe claire susan betty jane amanda lisa megan
  rachel nora ivy violet daisy holly sally nancy tina wendy ellie naomi ava
`);

export const NUMBERS = words(`two three four five six seven eight nine ten eleven twelve twenty`);

/** Spatial prepositions for "on the table", "under the bed". */
export const PREPOSITIONS = words(`
  on in under behind next_to by near over inside outside on_top_of in_front_of between around through into onto
  beside above below across along against
`).map((p) => p.replaceAll('_', ' '));

/** Short stand-alone utterances; most have < 3 tokens and are dropped before training, as in AO-CHILDES. */
export const FILLERS: readonly string[] = [
  'look .', 'uh oh .', 'good job !', 'okay .', 'yeah .', 'no .', 'yes .', 'all done !', 'thank you .', 'oh no !',
  'there you go .', 'night night .', 'bye bye !', 'here you go .', 'wow !', 'oops !', 'very good !', 'come here .',
  'what ?', 'oh !', 'hi !', 'hello !', 'shh .', 'that\'s right .', 'that\'s it .', 'good girl !', 'good boy !',
  'all gone .', 'uh huh .', 'mhm .', 'see ?', 'ready ?', 'okay honey .', 'no no no .', 'what\'s that ?',
  'where\'s the ball ?', 'sit down please .', 'be careful !', 'let\'s see .', 'not now .', 'one more time .',
  'what happened ?', 'you did it !', 'peekaboo !', 'i see you !', 'here it is !', 'i don\'t know .',
  'let\'s go !', 'are you okay ?', 'that\'s funny .', 'you\'re silly .', 'good morning !', 'time for bed .',
  'say please .', 'say thank you .', 'wait a minute .', 'hold on .', 'turn it around .', 'try again .',
  'can you say that ?', 'what do you say ?', 'what\'s this ?', 'who\'s that ?', 'is that right ?', 'is that so ?',
  'oh my goodness !', 'what a mess !', 'how nice !', 'so big !', 'all better ?', 'excuse me .', 'bless you .',
  'high five !', 'good night .', 'welcome back .', 'it\'s okay .', 'don\'t cry .', 'don\'t worry .',
];

/** Words for "who": family names used like proper names ("mommy is here", "give it to daddy"). */
export const FAMILY = words(`mommy daddy grandma grandpa nana papa auntie`);
