/** The person is asked the row only when the answer to `question` is one of `answers`. */
export type Condition = { question: string; answers: readonly string[] };

type Atom = { question: string; answer: string };
type Token = { kind: 'reference' | 'literal' | 'word' | 'symbol'; text: string };

const TOKEN_PATTERN = /\s*(?:\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}|'([^']*)'|"([^"]*)"|(-?[0-9]+(?:\.[0-9]+)?)|([A-Za-z_][A-Za-z0-9_-]*)|(!=|=|\(|\)|,))/y;
const MAX_TOKENS = 200;
/** An `and` of `or`s multiplies out; past this many alternatives the expression is not one a form routes on. */
const MAX_ALTERNATIVES = 50;

function tokenise(expression: string): Token[] | undefined {
  const tokens: Token[] = [];
  TOKEN_PATTERN.lastIndex = 0;
  while (TOKEN_PATTERN.lastIndex < expression.length) {
    if (expression.slice(TOKEN_PATTERN.lastIndex).trim() === '') break;
    const match = TOKEN_PATTERN.exec(expression);
    if (!match || tokens.length >= MAX_TOKENS) return undefined;
    const [, reference, single, double, number, word, symbol] = match;
    if (reference !== undefined) tokens.push({ kind: 'reference', text: reference });
    else if (single !== undefined || double !== undefined || number !== undefined) tokens.push({ kind: 'literal', text: single ?? double ?? number ?? '' });
    else if (word !== undefined) tokens.push({ kind: 'word', text: word });
    else tokens.push({ kind: 'symbol', text: symbol ?? '' });
  }
  return tokens;
}

class Unsupported extends Error {}

/**
 * Reads a `relevant` expression into the alternatives (or) of conjunctions (and) of
 * "question is answer" facts, or throws Unsupported: `${q} = 'v'`, `'v' = ${q}` and
 * `selected(${q}, 'v')`, joined by `and`, `or` and brackets, are all it knows.
 */
class RelevantParser {
  readonly tokens: Token[];
  position = 0;

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  peek(): Token | undefined {
    return this.tokens[this.position];
  }

  take(kind: Token['kind'], text?: string): Token {
    const token = this.tokens[this.position];
    if (!token || token.kind !== kind || (text !== undefined && token.text !== text)) throw new Unsupported();
    this.position += 1;
    return token;
  }

  isWord(text: string): boolean {
    const token = this.peek();
    return token?.kind === 'word' && token.text === text;
  }

  readAlternatives(): Atom[][] {
    let alternatives = this.readConjunction();
    while (this.isWord('or')) {
      this.position += 1;
      alternatives = [...alternatives, ...this.readConjunction()];
      if (alternatives.length > MAX_ALTERNATIVES) throw new Unsupported();
    }
    return alternatives;
  }

  readConjunction(): Atom[][] {
    let alternatives = this.readFactor();
    while (this.isWord('and')) {
      this.position += 1;
      const right = this.readFactor();
      alternatives = alternatives.flatMap((left) => right.map((more) => [...left, ...more]));
      if (alternatives.length > MAX_ALTERNATIVES) throw new Unsupported();
    }
    return alternatives;
  }

  readFactor(): Atom[][] {
    const token = this.peek();
    if (token?.kind === 'symbol' && token.text === '(') {
      this.position += 1;
      const inner = this.readAlternatives();
      this.take('symbol', ')');
      return inner;
    }
    if (this.isWord('selected')) {
      this.position += 1;
      this.take('symbol', '(');
      const question = this.take('reference').text;
      this.take('symbol', ',');
      const answer = this.take('literal').text;
      this.take('symbol', ')');
      return [[{ question, answer }]];
    }
    const left = this.tokens[this.position];
    this.position += 1;
    this.take('symbol', '=');
    const right = this.tokens[this.position];
    this.position += 1;
    if (left?.kind === 'reference' && right?.kind === 'literal') return [[{ question: left.text, answer: right.text }]];
    if (left?.kind === 'literal' && right?.kind === 'reference') return [[{ question: right.text, answer: left.text }]];
    throw new Unsupported();
  }
}

/**
 * The conditions a `relevant` expression puts on a row, all of which must hold, when it is one
 * Civitas can route on: a single fact or facts joined by `and`, or facts about one question
 * joined by `or` (`${q} = 'a' or ${q} = 'b'`: q is a or b). Anything else (`!=`, `not()`,
 * comparisons, functions, an `or` across questions) is undefined.
 */
export function readRelevant(expression: string): Condition[] | undefined {
  const tokens = tokenise(expression);
  if (!tokens || tokens.length === 0) return undefined;
  let alternatives: Atom[][];
  try {
    const parser = new RelevantParser(tokens);
    alternatives = parser.readAlternatives();
    if (parser.position !== tokens.length) return undefined;
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
  const [first, ...others] = alternatives;
  if (!first) return undefined;
  if (others.length === 0) {
    const questions = new Set(first.map((atom) => atom.question));
    if (questions.size !== first.length) return undefined;
    return first.map((atom) => ({ question: atom.question, answers: [atom.answer] }));
  }
  const question = first[0]?.question;
  if (alternatives.some((atoms) => atoms.length !== 1 || atoms[0]?.question !== question) || question === undefined) return undefined;
  return [{ question, answers: [...new Set(alternatives.map((atoms) => atoms[0]?.answer ?? ''))].sort() }];
}
