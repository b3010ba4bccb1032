/**
 * CloudWatch metric math, the part of it alarms here use, evaluated on one datapoint at a time:
 * numbers, metric ids, + - * /, comparisons, AND / OR, IF(condition, then, else) and FILL(metric,
 * value). A value is a number or `undefined` (no datapoint). Anything else is refused, so that an
 * expression this model cannot read fails the rehearsal instead of passing it.
 *
 * What CloudWatch does when every metric of an expression is missing is not written down; `fillsAll`
 * says which of the two readings to take (FILL yields its value / nothing at all), and the rehearsal
 * checks both.
 */

export type Value = number | undefined;

type Token = { kind: 'number'; value: number } | { kind: 'name'; value: string } | { kind: 'symbol'; value: string };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(>=|<=|==|!=|&&|\|\||[-+*/(),<>]))/y;
  let index = 0;
  while (index < expression.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(expression);
    if (!match) {
      if (/^\s*$/.test(expression.slice(index))) break;
      throw new Error(`metric math: cannot read "${expression.slice(index)}" in ${expression}`);
    }
    index = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: 'number', value: Number(match[1]) });
    else if (match[2] !== undefined) tokens.push({ kind: 'name', value: match[2] });
    else tokens.push({ kind: 'symbol', value: match[3] });
  }
  return tokens;
}

/** An expression, parsed once, evaluated against the values of its metric ids at one time. */
export interface Expression {
  /** The metric ids it reads. */
  readonly ids: ReadonlySet<string>;
  evaluate(values: (id: string) => Value, options: { fillsAll: boolean }): Value;
}

type Node =
  | { type: 'number'; value: number }
  | { type: 'id'; name: string }
  | { type: 'binary'; operator: string; left: Node; right: Node }
  | { type: 'call'; name: string; args: Node[] };

export function parseExpression(expression: string): Expression {
  const tokens = tokenize(expression);
  let position = 0;
  const peek = () => tokens[position];
  const take = (symbol?: string) => {
    const token = tokens[position++];
    if (!token || (symbol !== undefined && token.value !== symbol))
      throw new Error(`metric math: expected ${symbol ?? 'more'} in ${expression}`);
    return token;
  };
  const levels: string[][] = [
    ['OR', '||'],
    ['AND', '&&'],
    ['>', '>=', '<', '<=', '==', '!='],
    ['+', '-'],
    ['*', '/'],
  ];
  const binary = (level: number): Node => {
    if (level === levels.length) return primary();
    let left = binary(level + 1);
    for (;;) {
      const token = peek();
      if (!token || !levels[level].includes(String(token.value))) return left;
      position++;
      const operator = token.value === 'AND' ? '&&' : token.value === 'OR' ? '||' : String(token.value);
      left = { type: 'binary', operator, left, right: binary(level + 1) };
    }
  };
  const primary = (): Node => {
    const token = take();
    if (token.kind === 'number') return { type: 'number', value: token.value };
    if (token.kind === 'symbol' && token.value === '(') {
      const inner = binary(0);
      take(')');
      return inner;
    }
    if (token.kind === 'symbol' && token.value === '-')
      return { type: 'binary', operator: '-', left: { type: 'number', value: 0 }, right: primary() };
    if (token.kind === 'name') {
      if (peek()?.value === '(') {
        position++;
        const args: Node[] = [];
        while (peek()?.value !== ')') {
          args.push(binary(0));
          if (peek()?.value === ',') position++;
        }
        take(')');
        if (!['IF', 'FILL'].includes(token.value)) throw new Error(`metric math: function ${token.value} is not modelled (${expression})`);
        return { type: 'call', name: token.value, args };
      }
      return { type: 'id', name: token.value };
    }
    throw new Error(`metric math: unexpected ${token.value} in ${expression}`);
  };
  const root = binary(0);
  if (position !== tokens.length) throw new Error(`metric math: trailing input in ${expression}`);

  const ids = new Set<string>();
  const collect = (node: Node): void => {
    if (node.type === 'id') ids.add(node.name);
    if (node.type === 'binary') [node.left, node.right].forEach(collect);
    if (node.type === 'call') node.args.forEach(collect);
  };
  collect(root);

  return {
    ids,
    evaluate(values, { fillsAll }) {
      const anyData = [...ids].some((id) => values(id) !== undefined);
      const run = (node: Node): Value => {
        switch (node.type) {
          case 'number':
            return node.value;
          case 'id':
            return values(node.name);
          case 'call': {
            if (node.name === 'FILL') {
              const value = run(node.args[0]);
              if (value !== undefined) return value;
              return anyData || fillsAll ? run(node.args[1]) : undefined;
            }
            const condition = run(node.args[0]);
            if (condition === undefined) return undefined;
            return condition !== 0 ? run(node.args[1]) : node.args[2] ? run(node.args[2]) : undefined;
          }
          case 'binary': {
            const [left, right] = [run(node.left), run(node.right)];
            if (left === undefined || right === undefined) return undefined;
            switch (node.operator) {
              case '+':
                return left + right;
              case '-':
                return left - right;
              case '*':
                return left * right;
              case '/':
                return right === 0 ? undefined : left / right;
              case '>':
                return Number(left > right);
              case '>=':
                return Number(left >= right);
              case '<':
                return Number(left < right);
              case '<=':
                return Number(left <= right);
              case '==':
                return Number(left === right);
              case '!=':
                return Number(left !== right);
              case '&&':
                return Number(left !== 0 && right !== 0);
              case '||':
                return Number(left !== 0 || right !== 0);
            }
            throw new Error(`metric math: operator ${node.operator}`);
          }
        }
      };
      return run(root);
    },
  };
}
