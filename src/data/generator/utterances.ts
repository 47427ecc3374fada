// The utterance templates: declaratives, questions, imperatives, existentials, quantifiers, comparisons and
// short fillers, each returning whitespace tokens with the end punctuation as its own token.
import { pastParticipleOf, progressiveOf } from '../morphology.js';
import { DITRANSITIVE, INTRANSITIVE, CLAUSE_VERBS, MODALS, REFLEXIVE_VERBS, TO_VERBS, TRANSITIVE, type TransitiveVerb } from './lexicon-verbs.js';
import { FAMILY, FILLERS } from './lexicon-words.js';
import type { NounKind } from './lexicon-nouns.js';
import { be, doAux, finite, haveAux, maybeContract, negate, type Phrases, type Subject, type Tense } from './phrases.js';
import { zipfList } from './zipf.js';

const transitive = zipfList(TRANSITIVE, 0.9);
const intransitive = zipfList(INTRANSITIVE, 0.9);
const fillers = zipfList(FILLERS, 0.8);
const ANIMATE: NounKind[] = ['animal', 'person'];

export class Utterances {
  constructor(private readonly p: Phrases) {}

  private get r() {
    return this.p.random;
  }

  /** One utterance, drawn from the template mix; templates may use multi-word strings ("all day"), split here. */
  next(): string[] {
    return this.template().join(' ').split(' ');
  }

  private template(): string[] {
    return this.r.weighted<() => string[]>([
      [28, () => this.declarative()],
      [7, () => this.deictic()],
      [4, () => this.existential()],
      [14, () => this.whQuestion()],
      [12, () => this.yesNoQuestion()],
      [12, () => this.imperative()],
      [9, () => [fillers.draw(this.r)]],
      [3, () => this.clause()],
      [3, () => this.acrossPreposition()],
      [3, () => this.quantified()],
      [3, () => this.reflexiveSentence()],
      [2, () => this.comparison()],
      [2, () => this.coordinated()],
    ])();
  }

  private end(statement = true): string {
    return statement ? (this.r.chance(0.12) ? '!' : '.') : '?';
  }

  /** A verb with its object (or none): "eat the cookie", "pick the block up", "sleep on the bed". */
  private predicate(form: (verb: string) => string, transitiveRate = 0.6): string[] {
    if (this.r.chance(transitiveRate)) {
      const verb: TransitiveVerb = transitive.draw(this.r);
      const object = this.p.object(verb.objects);
      const particle = verb.particle && this.r.chance(0.3) ? [verb.particle] : [];
      const place = this.r.chance(0.1) ? this.p.locative() : [];
      return [form(verb.base), ...object, ...particle, ...place];
    }
    const verb = intransitive.draw(this.r);
    const tail = this.r.weighted<string[]>([[6, []], [2, this.p.locative()], [1, [this.r.pick(['now', 'again', 'today', 'too', 'later', 'all day', 'right now'])]], [0.6, ['with', ...this.p.subject({ animate: true }).tokens.map(objectCase)]]]);
    return [form(verb), ...tail];
  }

  /** Subject + agreeing verb group + complement. */
  private verbGroup(subject: Subject): string[] {
    const s = subject.tokens;
    const pronoun = subject.pronoun;
    const tense: Tense = this.r.chance(0.3) ? 'past' : 'present';
    const copula = (rest: string[]) => (pronoun && tense === 'present' ? [...maybeContract(this.r, pronoun, be(subject, tense)), ...rest] : [...s, be(subject, tense), ...rest]);
    // Things do not eat or want: an inanimate subject gets a property or a place.
    if (!subject.animate) return copula(this.r.chance(0.6) ? this.p.predicateAdjective(false) : this.p.locative());
    return this.r.weighted<() => string[]>([
      [5, () => copula(this.r.chance(0.15) ? ['not', ...this.p.predicateAdjective(subject.animate)] : this.p.predicateAdjective(subject.animate))],
      [6, () => copula(this.predicate(progressiveOf))],
      [7, () => [...s, ...this.predicate((v) => finite(v, subject, tense))]],
      [2, () => [...s, negate(doAux(subject, tense)), ...this.predicate((v) => v)]],
      [4, () => [...s, this.r.pick(MODALS.slice(0, 4)), ...this.predicate((v) => v)]],
      [1.5, () => [...s, negate(this.r.pick(['can', 'will'])), ...this.predicate((v) => v)]],
      [2.5, () => copula(['going', 'to', ...this.predicate((v) => v)])],
      [2.5, () => [...s, finite(this.r.pick(TO_VERBS), subject, tense), 'to', ...this.predicate((v) => v)]],
      [2, () => copula(this.p.locative())],
      [1.5, () => [...(pronoun ? maybeContract(this.r, pronoun, haveAux(subject), 0.4) : [...s, haveAux(subject)]), ...this.predicate(pastParticipleOf)]],
      [1.5, () => [...s, finite(this.r.pick(DITRANSITIVE), subject, tense), ...this.recipient(), ...this.p.object(['toy', 'food'])]],
    ])();
  }

  private recipient(): string[] {
    return this.r.weighted<string[]>([[3, ['me']], [1, ['him']], [1, ['her']], [1, ['us']], [2, this.p.nounPhrase(this.r.pick(ANIMATE), 'sg', { adjective: 0.1 }).tokens], [1.5, [this.p.name().name]]]);
  }

  private declarative(): string[] {
    return [...this.verbGroup(this.p.subject()), this.end()];
  }

  /** "that's a big truck .", "these are your shoes .", "it's mommy's cup ." */
  private deictic(): string[] {
    const plural = this.r.chance(0.25);
    const thing = this.r.pick<NounKind>(['toy', 'animal', 'food', 'clothing', 'household', 'vehicle', 'nature', 'body']);
    const phrase = this.p.nounPhrase(thing, plural ? 'pl' : 'sg', { adjective: 0.3 });
    if (plural || phrase.number === 'pl') return [this.r.pick(['these', 'those', 'they']), this.r.chance(0.3) ? "aren't" : 'are', ...phrase.tokens, this.end()];
    if (this.r.chance(0.15)) return [...maybeContract(this.r, 'that', 'is', 0.8), `${this.possessor()}'s`, this.p.noun(thing), this.end()];
    return [...maybeContract(this.r, this.r.pick(['that', 'it', 'this', 'that']), 'is', 0.7), ...phrase.tokens, this.end()];
  }

  private possessor(): string {
    return this.r.chance(0.4) ? this.r.pick(FAMILY) : this.p.name().name;
  }

  /** "there's a bird in the tree .", "there are three ducks on the pond ." */
  private existential(): string[] {
    const kind = this.r.pick<NounKind>(['animal', 'toy', 'food', 'nature', 'vehicle', 'person']);
    const phrase = this.p.nounPhrase(kind, this.r.chance(0.5) ? 'sg' : 'pl');
    const verb = phrase.number === 'sg' ? maybeContract(this.r, 'there', 'is', 0.7) : ['there', 'are'];
    return [...verb, ...phrase.tokens, ...(this.r.chance(0.6) ? this.p.locative() : []), this.end()];
  }

  private whQuestion(): string[] {
    const subject = this.p.subject({ pronoun: 0.6, animate: true });
    const thingKind = this.r.pick<NounKind>(['toy', 'animal', 'food', 'clothing', 'household', 'vehicle']);
    const thing = this.p.nounPhrase(thingKind, this.r.chance(0.65) ? 'sg' : 'pl');
    const thingSubject: Subject = { tokens: thing.tokens, person: 3, number: thing.number, gender: 'n', animate: false };
    const tense: Tense = this.r.chance(0.3) ? 'past' : 'present';
    const verb = transitive.draw(this.r).base;
    return this.r.weighted<() => string[]>([
      [4, () => [...maybeContract(this.r, 'what', 'is', 0.6), this.r.pick(['that', 'this', 'it', 'he doing', 'she doing', 'the matter'])]],
      [4, () => ['what', doAux(subject, tense), ...subject.tokens, verb]],
      [3, () => ['what', be(subject, 'present'), ...subject.tokens, progressiveOf(verb)]],
      [4, () => (thing.number === 'sg' ? [...maybeContract(this.r, 'where', 'is', 0.6), ...thing.tokens] : ['where', 'are', ...thing.tokens])],
      [2, () => ['where', doAux(subject, tense), ...subject.tokens, this.r.pick(['go', 'put it', 'find it', 'live', 'sleep'])]],
      [2, () => ['who', finite(verb, { ...subject, person: 3, number: 'sg' }, tense), ...this.p.object(transitive.draw(this.r).objects)]],
      [1.5, () => [...maybeContract(this.r, 'who', 'is', 0.5), this.r.pick(['that', 'there', 'coming', 'this'])]],
      [1.5, () => ['what', 'color', be(thingSubject, 'present'), ...thing.tokens]],
      [2, () => ['how', 'many', this.p.nounPhrase(thingKind, 'pl', { determiner: false, adjective: 0 }).tokens.at(-1)!, ...this.r.pick([['do', 'you', 'see'], ['are', 'there'], ['do', 'you', 'have'], ['did', 'you', 'eat']])]],
      [2, () => ['why', be(subject, tense), ...subject.tokens, ...this.p.predicateAdjective(true)]],
      [1.5, () => ['why', 'did', ...subject.tokens, verb, ...this.p.object(['toy', 'food', 'household'])]],
      [1, () => ['which', 'one', doAux(subject, 'present'), ...subject.tokens, this.r.pick(['want', 'like', 'need'])]],
      [1, () => ['what', 'does', 'the', this.p.noun('animal'), 'say']],
      [1, () => ['what', this.r.pick(['should', 'can', 'will']), ...subject.tokens, this.r.pick(['do', 'make', 'eat', 'play', 'read', 'build'])]],
      [1, () => ['how', this.r.pick(['are', 'was', 'do', 'did']), 'you', this.r.pick(['feeling', 'doing', 'do that', 'like it', 'know'])]],
    ])().concat('?');
  }

  private yesNoQuestion(): string[] {
    const subject = this.p.subject({ pronoun: 0.55, animate: true });
    const thing = this.p.subject({ pronoun: 0.3 });
    const tense: Tense = this.r.chance(0.3) ? 'past' : 'present';
    return this.r.weighted<() => string[]>([
      [3, () => [be(thing, tense), ...thing.tokens, ...this.p.predicateAdjective(thing.animate)]],
      [3, () => [be(subject, 'present'), ...subject.tokens, ...this.predicate(progressiveOf)]],
      [4, () => [doAux(subject, tense), ...subject.tokens, ...this.predicate((v) => v)]],
      [3, () => [this.r.pick(['can', 'will', 'could', 'should']), ...subject.tokens, ...this.predicate((v) => v)]],
      [2, () => ['is', 'that', ...this.p.nounPhrase(this.r.pick<NounKind>(['toy', 'animal', 'food', 'clothing']), 'sg').tokens]],
      [3, () => ['do', 'you', 'want', ...(this.r.chance(0.4) ? ['to', ...this.predicate((v) => v)] : this.p.object(['food', 'toy']))]],
      [2, () => ['you', this.r.pick(['want', 'need', 'like']), ...this.p.object(['food', 'toy', 'clothing'])]],
      [1, () => ['more', this.p.massPhrase().at(-1)!]],
      [1, () => ['is', 'it', this.r.pick(['heavy', 'hot', 'yummy', 'broken', 'time for bed', 'your turn', 'fun'])]],
    ])().concat('?');
  }

  private imperative(): string[] {
    const verb = transitive.draw(this.r);
    const object = this.p.object(verb.objects);
    return this.r.weighted<() => string[]>([
      [5, () => [verb.base, ...object, ...(verb.particle && this.r.chance(0.4) ? [verb.particle] : [])]],
      [3, () => [this.r.pick(['put', 'throw', 'leave', 'keep', 'hide']), ...object, ...this.p.locative()]],
      [2, () => ["don't", ...this.predicate((v) => v)]],
      [2.5, () => ["let's", ...this.predicate((v) => v)]],
      [2, () => ['look', 'at', ...this.p.nounPhrase(this.r.pick<NounKind>(['animal', 'toy', 'vehicle', 'nature']), 'sg', { adjective: 0.4 }).tokens]],
      [1.5, () => [this.r.pick(['give', 'show', 'bring', 'pass']), this.r.pick([...FAMILY, 'me', 'me', this.p.name().name]), ...this.p.object(['toy', 'food', 'household'])]],
      [1, () => ['be', this.r.pick(['careful', 'nice', 'gentle', 'quiet', 'good', 'patient'])]],
      [1.5, () => ['go', this.r.pick(['get', 'find', 'bring']), ...object]],
      [1, () => ['please', ...this.predicate((v) => v)]],
      [1, () => [this.r.pick(['come', 'sit', 'stand', 'lie', 'get']), this.r.pick(['here', 'down', 'up', 'over here', 'with me', 'on the floor'])]],
    ])().concat(this.r.chance(0.3) ? '!' : '.');
  }

  /** "i think the dog is hungry .", "do you know where the ball is ?" */
  private clause(): string[] {
    const embedded = this.verbGroup(this.p.subject());
    if (this.r.chance(0.2)) return ['do', 'you', 'think', ...embedded, '?'];
    const subject = this.p.subject({ pronoun: 0.9, animate: true });
    return [...subject.tokens, finite(this.r.pick(CLAUSE_VERBS), subject, this.r.chance(0.25) ? 'past' : 'present'), ...embedded, this.end()];
  }

  /** Agreement across a prepositional phrase: "the dog on the chair is sleepy .", "the keys by the door are mine ." */
  private acrossPreposition(): string[] {
    const headKind = this.r.pick<NounKind>(['animal', 'toy', 'household', 'person', 'food', 'clothing']);
    const head = this.p.nounPhrase(headKind, this.r.chance(0.5) ? 'sg' : 'pl', { adjective: 0.1 });
    const subject: Subject = { tokens: head.tokens, person: 3, number: head.number, gender: 'n', animate: headKind === 'animal' || headKind === 'person' };
    const modifier = this.p.locative();
    const tense: Tense = this.r.chance(0.3) ? 'past' : 'present';
    const rest = this.r.chance(0.6) ? this.p.predicateAdjective(subject.animate) : this.predicate(progressiveOf, 0.3);
    if (this.r.chance(0.25)) return [be(subject, tense), ...head.tokens, ...modifier, ...rest, '?'];
    return [...head.tokens, ...modifier, be(subject, tense), ...rest, this.end()];
  }

  /** Quantifiers: "no", "more than", "at least", "every", "all". */
  private quantified(): string[] {
    const verb = transitive.draw(this.r);
    const objectKind = this.r.pick(verb.objects);
    const counted = () => this.p.nounPhrase(objectKind, 'pl', { determiner: false, adjective: 0.1 }).tokens;
    const animal = () => this.p.nounPhrase(this.r.pick(ANIMATE), 'sg', { determiner: false, adjective: 0 }).tokens;
    const animals = () => this.p.nounPhrase(this.r.pick(ANIMATE), 'pl', { determiner: false, adjective: 0 }).tokens;
    return this.r.weighted<() => string[]>([
      [3, () => ['no', ...animal(), this.r.pick(['can', 'could', 'will']), verb.base, this.r.pick(['more than', 'fewer than']), this.p.number(), ...counted()]],
      [2, () => [this.r.pick(['you', 'we', 'i']), this.r.pick(['can have', 'need', 'found', 'saw', 'have']), 'at least', this.p.number(), ...counted()]],
      [2, () => ['there', 'are', this.r.pick(['more than', 'at least', 'no more than']), this.p.number(), ...counted(), ...this.p.locative()]],
      [2, () => ['every', ...animal(), finite(verb.base, { tokens: [], person: 3, number: 'sg', gender: 'n', animate: true }, 'present'), ...this.p.object(verb.objects)]],
      [2, () => ['all', 'the', ...animals(), 'are', ...this.p.predicateAdjective(true)]],
      [2, () => [...maybeContract(this.r, 'there', 'is', 0.8), 'no', 'more', this.p.massPhrase().at(-1)!]],
      [1, () => ['some', ...animals(), this.r.pick(['are', 'were']), ...this.p.predicateAdjective(true)]],
      [1, () => ['you', 'can', 'have', 'at most', this.p.number(), ...counted()]],
    ])().concat(this.end());
  }

  /** Binding: "ben hurt himself .", "the girls are washing themselves .", "i can do it myself ." */
  private reflexiveSentence(): string[] {
    const subject = this.p.subject({ pronoun: 0.5, animate: true });
    const reflexive = this.p.reflexive(subject);
    const verb = this.r.pick(REFLEXIVE_VERBS);
    const tense: Tense = this.r.chance(0.5) ? 'past' : 'present';
    return this.r.weighted<() => string[]>([
      [3, () => [...subject.tokens, finite(verb, subject, tense), reflexive]],
      [2, () => [...subject.tokens, be(subject, 'present'), progressiveOf(verb), reflexive]],
      [1.5, () => [...subject.tokens, finite(this.r.pick(['think', 'talk', 'care', 'worry', 'laugh']), subject, tense), 'about', reflexive]],
      [1, () => [...subject.tokens, 'can', 'do', 'it', reflexive]],
      [1, () => [...subject.tokens, be(subject, tense), 'looking', 'at', reflexive, 'in', 'the', 'mirror']],
    ])().concat(this.end());
  }

  /** "the dog is bigger than the cat .", "that's the biggest one !" */
  private comparison(): string[] {
    const adjective = this.p.gradableAdjective();
    const kind = this.r.pick<NounKind>(['animal', 'toy', 'vehicle', 'food', 'household']);
    const a = this.p.nounPhrase(kind, 'sg', { adjective: 0 });
    return this.r.weighted<() => string[]>([
      [3, () => [...a.tokens, 'is', adjective.comparative, 'than', ...this.p.nounPhrase(kind, 'sg', { adjective: 0 }).tokens, this.end()]],
      [2, () => [...maybeContract(this.r, 'that', 'is', 0.8), 'the', adjective.superlative, this.r.chance(0.5) ? 'one' : this.p.noun(kind), this.end()]],
      [1, () => ['which', 'one', 'is', adjective.comparative, '?']],
      [1, () => [...maybeContract(this.r, 'you', 'are', 0.7), 'getting', 'so', adjective.plain, '!']],
    ])();
  }

  /** Conjoined subjects take plural agreement: "the cat and the dog are sleeping ." */
  private coordinated(): string[] {
    const a = this.p.subject({ pronoun: 0, animate: true });
    const b = this.p.subject({ pronoun: 0, animate: true });
    const plural: Subject = { tokens: [...a.tokens, 'and', ...b.tokens], person: 3, number: 'pl', gender: 'n', animate: true };
    return [...this.verbGroup(plural), this.end()];
  }
}

/** Subjects reused as objects: "with you", "with them". */
function objectCase(token: string): string {
  const forms: Record<string, string> = { i: 'me', he: 'him', she: 'her', we: 'us', they: 'them' };
  return forms[token] ?? token;
}
