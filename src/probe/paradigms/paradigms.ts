// Every paradigm `probes generate` writes, in suite order: the four the SSA paper reports first.
import type { ParadigmTemplate } from './template.js';
import { agreementAcrossPrepositionalPhrase, principleA, superlativeQuantifiers, swappedArguments } from './templates-core.js';
import {
  agreementInSimpleQuestion, determinerNounAcrossAdjective, determinerNounNeighbors, reflexiveGender, subjectivePronoun,
} from './templates-extra.js';

export const PARADIGMS: readonly ParadigmTemplate[] = [
  agreementAcrossPrepositionalPhrase,
  swappedArguments,
  principleA,
  superlativeQuantifiers,
  determinerNounNeighbors,
  determinerNounAcrossAdjective,
  agreementInSimpleQuestion,
  reflexiveGender,
  subjectivePronoun,
];
