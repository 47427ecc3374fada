// The probe lexicon's nouns: common child-directed words with their plural, kind (animacy and what verbs
// they suit) and, for people, gender. Written for the probes, independent of any corpus generator, so a suite
// for AO-CHILDES and one for the embedded corpus draw from the same list; inflected by the one morphology.
import { pluralOf } from '../../data/morphology.js';

export type NounKind = 'animal' | 'person' | 'food' | 'toy' | 'clothing' | 'household' | 'nature' | 'vehicle' | 'body';

export type Gender = 'm' | 'f';

export interface Noun {
  singular: string;
  plural: string;
  kind: NounKind;
  /** Only for people nouns English marks for gender (boy, queen). */
  gender?: Gender;
}

/** Same form in both numbers ("sheep", "fish"): no use where a slot's number must show. */
export function hasDistinctPlural(noun: Noun): boolean {
  return noun.singular !== noun.plural;
}

function nounsOf(kind: NounKind, list: string): Noun[] {
  return list
    .trim()
    .split(/\s+/)
    .map((singular) => ({ singular, plural: pluralOf(singular), kind }));
}

function peopleOf(list: string): Noun[] {
  return list
    .trim()
    .split(/\s+/)
    .map((entry) => {
      const [singular, gender] = entry.split(':');
      const noun: Noun = { singular, plural: pluralOf(singular), kind: 'person' };
      if (gender === 'm' || gender === 'f') noun.gender = gender;
      return noun;
    });
}

export const NOUNS: readonly Noun[] = [
  ...nounsOf('animal', `
    dog cat bird duck cow horse pig fish bear bunny puppy kitty monkey sheep mouse lion elephant frog chicken
    tiger giraffe turtle butterfly bee owl goat rabbit snake zebra donkey lamb pony squirrel kangaroo penguin
    dinosaur whale dolphin shark crab spider ant bug worm snail ladybug alligator hippo camel deer wolf fox
    raccoon beaver goose swan turkey rooster hen chick kitten calf parrot peacock eagle crow robin panda koala
    gorilla hamster lizard beetle bat llama bull puffin toad cub piglet`),
  ...peopleOf(`
    baby boy:m girl:f man:m lady:f woman:f kid friend teacher doctor brother:m sister:f child farmer king:m
    queen:f princess:f prince:m clown fireman:m policeman:m mailman:m cowboy:m pirate nurse cook neighbor
    uncle:m aunt:f cousin dentist driver giant witch:f wizard:m fairy:f monster robot snowman:m mermaid:f
    astronaut builder painter baker fisherman:m sailor soldier knight:m guy:m gentleman:m person student
    babysitter dancer singer player hero ghost`),
  ...nounsOf('food', `
    cookie apple banana cracker sandwich egg grape cheerio carrot cake orange berry strawberry pancake muffin
    noodle pea bean potato tomato cupcake candy lollipop chip pretzel raisin cherry peach pear plum lemon
    pumpkin pickle hotdog hamburger pizza taco bagel biscuit donut waffle popsicle blueberry pineapple onion
    pepper cucumber mushroom meatball sausage nugget marshmallow peanut olive pie brownie snack treat bun`),
  ...nounsOf('toy', `
    ball book block doll car truck puzzle train balloon crayon teddy puppet kite drum bubble boat plane
    sticker picture game card marble rattle wagon bike scooter skateboard slide swing whistle horn bell
    guitar piano rocket castle tower bucket shovel hoop frisbee racket pinwheel sword crown wand mask flag
    tent marker pencil pen paintbrush ribbon string button bead magnet flashlight camera letter story song
    present box bag basket`),
  ...nounsOf('clothing', `
    shoe sock hat shirt coat diaper jacket dress boot mitten glove sweater bib skirt scarf belt sandal slipper
    sneaker cap hood helmet raincoat swimsuit vest apron backpack purse necklace bracelet ring bow tie`),
  ...nounsOf('household', `
    cup spoon bowl plate chair table bed door window blanket pillow bottle towel potty fork knife napkin
    tissue crib couch sofa rug wall light lamp clock key shelf drawer mirror sink tub brush comb toothbrush
    sponge mop broom pot pan lid jar straw stool bench desk computer phone radio newspaper fence gate hose
    ladder hammer rope candle cushion curtain hanger`),
  ...nounsOf('nature', `
    tree flower star rock stick leaf puddle hill river lake beach wave rainbow snowflake pond bush acorn
    pinecone seed shell feather nest mountain cloud log branch stone pebble island garden field web daisy
    rose tulip dandelion sunflower`),
  ...nounsOf('vehicle', `
    bus tractor firetruck airplane helicopter motorcycle taxi van ambulance jeep bulldozer dumptruck digger
    crane submarine canoe sailboat ship cart sled wheel tire`),
  ...nounsOf('body', `
    hand nose foot finger toe mouth head eye ear knee arm leg face tooth cheek chin neck lip tongue thumb
    elbow shoulder`),
].filter((noun, index, all) => all.findIndex((other) => other.singular === noun.singular) === index);

export const ANIMATE_KINDS: readonly NounKind[] = ['animal', 'person'];
export const THING_KINDS: readonly NounKind[] = ['food', 'toy', 'clothing', 'household', 'nature', 'vehicle'];
