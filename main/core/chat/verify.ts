/**
 * Checks that a cited passage supports the sentence that cites it: the share of the
 * sentence's content words (letters or digits, 3+ characters, not stop words) that appear in
 * the passage. At or above SUPPORT_THRESHOLD the citation is verified, unless the sentence
 * states a number the passage does not hold, or negates what the passage's best sentence
 * affirms (or the reverse): word overlap alone would verify "signed in 1898" against "signed in
 * 1897", and "was not signed" against "was signed".
 */
export const SUPPORT_THRESHOLD = 0.35;

const STOP_WORDS = new Set(
  'the and for are but not you all any can her was one our out has had his how its may new now old see two way who did get let say she too use that with have this will your from they been were what when which their there would about into than them then these some could other more also only such like just over most very after where while those both each between through under because being does'.split(
    ' ',
  ),
);

export function contentWords(text: string): Set<string> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? [];
  return new Set(words.filter((w) => !STOP_WORDS.has(w)));
}

/** Share of the claim's content words found in the passage; 0 when the claim has none. */
export function support(claim: string, passage: string): number {
  return shareFound(contentWords(claim), passage);
}

/** `support` for a claim whose content words are already known. */
export function shareFound(claimWords: ReadonlySet<string>, passage: string): number {
  if (claimWords.size === 0) return 0;
  const passageWords = contentWords(passage);
  let shared = 0;
  for (const word of claimWords) if (passageWords.has(word)) shared++;
  return shared / claimWords.size;
}

const sentences = new Intl.Segmenter(undefined, { granularity: 'sentence' });

/**
 * The sentence a citation marker at `index` cites: the one that contains it ("claim [1]."), or,
 * when only markers and spaces come before it in its sentence, the one before ("claim. [1] Next").
 */
export function sentenceAt(text: string, index: number): string {
  let previous = '';
  for (const s of sentences.segment(text)) {
    if (index < s.index + s.segment.length) {
      const leadsItsSentence = /^[\s\d[\]]*$/.test(text.slice(s.index, index));
      return leadsItsSentence && previous ? previous : s.segment;
    }
    previous = s.segment;
  }
  return previous;
}

/**
 * The span of the passage's sentence that best supports the claim, relative to the passage (the
 * whole passage when no sentence shares a word); `score`, the claim's support by the whole
 * passage; and whether that verifies the claim. A sentence citing several sources may take each
 * of its numbers from any of them: `citedTogether` holds their passages (this one included).
 */
export function bestSupportingSpan(
  claim: string,
  passage: string,
  citedTogether: readonly string[] = [passage],
): { start: number; end: number; score: number; verified: boolean } {
  const claimWords = contentWords(claim);
  let span = { start: 0, end: passage.length };
  let spanScore = 0;
  for (const s of sentences.segment(passage)) {
    const score = shareFound(claimWords, s.segment);
    if (score > spanScore) {
      span = { start: s.index, end: s.index + s.segment.trimEnd().length };
      spanScore = score;
    }
  }
  const score = shareFound(claimWords, passage);
  const stated = new Set(citedTogether.flatMap((text) => [...numbers(text)]));
  const verified =
    score >= SUPPORT_THRESHOLD &&
    [...numbers(claim)].every((n) => stated.has(n)) &&
    NEGATION.test(claim) === NEGATION.test(passage.slice(span.start, span.end));
  return { ...span, score, verified };
}

const NEGATION = /\b(?:not|no|never|none|nobody|nothing|neither|nor|without|cannot)\b|n['’]t\b/i;
// "one" is left out: more often a pronoun ("the one who") than a number. Multipliers
// ("hundred") are not numbers on their own.
const NUMBER_WORDS = 'two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty'
  .split(' ')
  .map((word, i) => [word, String(i + 2)] as const)
  .concat('thirty forty fifty sixty seventy eighty ninety'.split(' ').map((word, i) => [word, String(30 + 10 * i)] as const));
const NUMBER_VALUE = new Map<string, string>(NUMBER_WORDS);
const NUMBER = new RegExp(`\\d+(?:[.,]\\d+)*|\\b(?:${NUMBER_WORDS.map(([word]) => word).join('|')})\\b`, 'gi');

/** The numbers a text states, in digits or words, as digits ("1,000" as "1000", "twelve" as "12"). */
function numbers(text: string): Set<string> {
  return new Set((text.match(NUMBER) ?? []).map((n) => NUMBER_VALUE.get(n.toLowerCase()) ?? n.replace(/,(?=\d{3}\b)/g, '')));
}
