// Our own noun lists, by kind, each in rough frequency order (first = most frequent in child-directed speech).
// Kinds drive selectional restrictions: you eat foods, wear clothes, feed animals.
import { words } from './zipf.js';

export type NounKind = 'animal' | 'person' | 'food' | 'toy' | 'clothing' | 'body' | 'household' | 'nature' | 'vehicle' | 'place';

export const ANIMALS = words(`
  dog cat bird duck cow horse pig fish bear bunny puppy kitty monkey sheep mouse lion elephant frog chicken
  tiger giraffe turtle butterfly bee owl goat rabbit snake zebra donkey lamb pony squirrel kangaroo penguin
  dinosaur whale dolphin shark crab spider ant bug worm caterpillar snail ladybug alligator crocodile hippo rhino
  camel deer moose wolf fox raccoon skunk beaver otter seal walrus octopus jellyfish starfish goose swan turkey
  rooster hen chick kitten calf ostrich parrot peacock eagle hawk crow robin pigeon flamingo panda koala gorilla
  chimp leopard cheetah buffalo hamster gerbil lizard beetle grasshopper dragonfly firefly moth mosquito
  bat weasel mole hedgehog porcupine llama yak bull ox puffin pelican seagull toad tadpole cub piglet
  duckling
`);

/** People nouns with a grammatical gender where English marks it (for himself/herself). */
export const PEOPLE: readonly (readonly [string, 'm' | 'f' | 'n'])[] = [
  ['baby', 'n'], ['boy', 'm'], ['girl', 'f'], ['man', 'm'], ['lady', 'f'], ['woman', 'f'], ['kid', 'n'], ['friend', 'n'],
  ['teacher', 'n'], ['doctor', 'n'], ['brother', 'm'], ['sister', 'f'], ['child', 'n'], ['farmer', 'n'], ['king', 'm'],
  ['queen', 'f'], ['princess', 'f'], ['prince', 'm'], ['clown', 'n'], ['fireman', 'm'], ['policeman', 'm'],
  ['mailman', 'm'], ['cowboy', 'm'], ['pirate', 'n'], ['nurse', 'n'], ['cook', 'n'], ['neighbor', 'n'], ['grandma', 'f'],
  ['grandpa', 'm'], ['uncle', 'm'], ['aunt', 'f'], ['cousin', 'n'], ['daddy', 'm'], ['mommy', 'f'], ['dentist', 'n'],
  ['driver', 'n'], ['giant', 'n'], ['witch', 'f'], ['wizard', 'm'], ['fairy', 'f'], ['monster', 'n'], ['robot', 'n'],
  ['snowman', 'm'], ['mermaid', 'f'], ['astronaut', 'n'], ['builder', 'n'], ['painter', 'n'], ['baker', 'n'],
  ['fisherman', 'm'], ['sailor', 'n'], ['soldier', 'n'], ['knight', 'm'], ['guy', 'm'], ['gentleman', 'm'], ['person', 'n'],
  ['student', 'n'], ['babysitter', 'n'], ['dancer', 'n'], ['singer', 'n'], ['player', 'n'], ['hero', 'n'], ['ghost', 'n'],
];

export const FOODS = words(`
  cookie apple banana cracker sandwich egg grape cheerio carrot cake orange berry strawberry pancake muffin
  noodle pea bean potato tomato cupcake candy lollipop chip pretzel raisin cherry peach pear plum lemon
  watermelon pumpkin corn pickle hotdog hamburger pizza taco burrito bagel biscuit donut waffle popsicle
  blueberry raspberry pineapple mango kiwi coconut avocado onion pepper cucumber celery broccoli mushroom
  meatball sausage nugget drumstick marshmallow jellybean gumdrop peanut walnut
  almond cashew olive radish turnip beet zucchini squash apricot cantaloupe nectarine tangerine lime
  dumpling pie tart brownie snack treat vegetable fruit bun roll omelet salad
`);

/** Mass nouns: no plural and no "a" ("some milk", "more juice"). */
export const SUBSTANCES = words(`
  milk juice water cereal soup rice bread cheese butter toast yogurt applesauce jelly honey pasta spaghetti
  oatmeal ketchup chocolate icecream cream sugar salt sand mud paint glue playdough soap shampoo toothpaste
  dirt snow grass money medicine lemonade tea coffee popcorn meat ham bacon salsa syrup
`);

export const TOYS = words(`
  ball book block doll car truck puzzle train balloon crayon teddy puppet kite drum bubble top boat plane
  sticker picture game card marble rattle wagon bike scooter skateboard slide swing whistle horn bell
  trumpet guitar piano xylophone tambourine rocket spaceship castle tower dollhouse bucket shovel
  jumprope hoop frisbee racket yoyo pinwheel sword crown wand mask flag tent tricycle stroller
  marker pencil pen paintbrush scissors tape ribbon string button bead magnet flashlight camera
  letter story song present box bag basket
`);

export const CLOTHING = words(`
  shoe sock hat shirt coat pants diaper jacket dress boot mitten glove sweater bib pajamas shorts skirt
  scarf belt sandal slipper sneaker cap hood helmet raincoat swimsuit overalls vest apron backpack purse
  necklace bracelet ring watch bow tie zipper pocket sleeve collar umbrella glasses sunglasses costume
`);

export const BODY = words(`
  hand nose foot finger toe mouth head eye ear hair tummy knee arm leg face tooth cheek chin neck back
  belly elbow shoulder thumb lip tongue forehead eyebrow heel ankle wrist bottom hip fingernail toenail
`);

export const HOUSEHOLD = words(`
  cup spoon bowl plate chair table bed door window blanket pillow bottle towel bath potty fork knife
  napkin tissue crib couch sofa rug floor wall stairs light lamp clock key shelf drawer
  closet mirror sink tub toilet brush comb toothbrush sponge mop broom vacuum trash
  garbage oven stove fridge microwave pot pan lid jar can straw sippy highchair stool bench desk computer
  phone television radio remote newspaper magazine calendar mailbox fence gate hose ladder hammer nail
  screw rope chain doorbell candle cushion curtain quilt hanger cabinet counter dishwasher plug
`);

export const NATURE = words(`
  tree flower sun moon star rain cloud rock stick leaf puddle hill river lake ocean beach wave sky rainbow
  snowflake pond bush acorn pinecone seed shell feather nest mountain wind storm grassland log
  branch root stone pebble island forest garden field web daisy rose tulip dandelion sunflower
`);

export const VEHICLES = words(`
  bus tractor firetruck airplane helicopter motorcycle taxi van ambulance jeep bulldozer dumptruck digger
  crane submarine canoe sailboat ship cart sled wheel engine tire
`);

export const PLACES = words(`
  park store house kitchen bathroom bedroom zoo farm school yard room playground library church
  pool barn garage hospital office backyard basement attic porch street sidewalk town city
  restaurant bakery market circus museum airport station
`);

export const NOUNS_BY_KIND: Record<NounKind, readonly string[]> = {
  animal: ANIMALS,
  person: PEOPLE.map(([noun]) => noun),
  food: FOODS,
  toy: TOYS,
  clothing: CLOTHING,
  body: BODY,
  household: HOUSEHOLD,
  nature: NATURE,
  vehicle: VEHICLES,
  place: PLACES,
};

export const PERSON_GENDER: ReadonlyMap<string, 'm' | 'f' | 'n'> = new Map(PEOPLE);

/** Nouns that are never pluralised in child talk (family names, one-of-a-kind things). */
export const SINGULAR_ONLY = new Set(['mommy', 'daddy', 'grandma', 'grandpa', 'tummy', 'sky', 'sun', 'moon', 'ocean', 'bottom', 'rain', 'wind', 'grassland']);
/** Nouns that only appear as plurals-in-form ("the pants are", "my glasses"). */
export const PLURAL_FORM = new Set(['pajamas', 'pants', 'shorts', 'overalls', 'glasses', 'sunglasses', 'scissors']);
