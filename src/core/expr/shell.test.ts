import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkShellTemplate, ExpressionError, renderShell, shellQuote } from './index.ts';

const sandbox = mkdtempSync(join(tmpdir(), 'tandem-shell-'));
afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

const pwned = join(sandbox, 'pwned');
const NASTY = [
  `$(touch ${pwned})`,
  `\`touch ${pwned}\``,
  `; touch ${pwned}`,
  `a && touch ${pwned}`,
  `| touch ${pwned}`,
  `'; touch ${pwned}; echo '`,
  `"; touch ${pwned}; echo "`,
  `'\\''; touch ${pwned}; '`,
  `\\'; touch ${pwned} #`,
  `line one\ntouch ${pwned}\n`,
  `with  two   spaces`,
  `$HOME ~ * ? [a] {a,b}`,
  `> ${pwned}`,
  `-n`,
  '',
  `\\`,
  `'`,
  `''`,
  `"`,
  `\t\r\n`,
  `ünïcödé ☃`,
];

/** Run `script` with `shell -c` and return the arguments printf saw, NUL-separated. */
function argv(shell: string, script: string): string[] {
  const out = execFileSync(shell, ['-c', script], { encoding: 'utf8', cwd: sandbox });
  return out.split('\0').slice(0, -1);
}

const shells = ['/bin/sh', '/bin/bash'].filter((s) => existsSync(s));

describe('renderShell', () => {
  for (const shell of shells) {
    it(`gives ${shell} each nasty value as exactly one literal argument`, () => {
      for (const value of NASTY) {
        const script = renderShell("printf '%s\\0' ${{ inputs.v }} ${{ inputs.v }}/cache", {
          inputs: { v: value },
        });
        expect(argv(shell, script)).toEqual([value, `${value}/cache`]);
      }
      expect(existsSync(pwned)).toBe(false);
      expect(readdirSync(sandbox)).toEqual([]);
    });

    it(`keeps a value one word inside $( ) in ${shell}, even within double quotes`, () => {
      for (const value of NASTY.filter((v) => !v.endsWith('\n'))) {
        const script = renderShell("printf '%s\\0' \"$(printf '%s' ${{ inputs.v }})\"", {
          inputs: { v: value },
        });
        // $( ) drops trailing newlines; the values above without one come back exactly.
        expect(argv(shell, script)).toEqual([value]);
      }
      expect(existsSync(pwned)).toBe(false);
    });
  }

  it('leaves the literal text untouched', () => {
    expect(
      renderShell('rm -rf ${{ inputs.dir }}/cache && echo "$HOME" \'x\'', { inputs: { dir: '/srv/a b' } }),
    ).toBe(`rm -rf '/srv/a b'/cache && echo "$HOME" 'x'`);
  });

  it('writes null as an empty word and lists as one JSON word', () => {
    expect(renderShell('f ${{ null }} ${{ inputs.l }}', { inputs: { l: ['a b', 1] } })).toBe(
      `f '' '["a b",1]'`,
    );
  });

  it('renders an expression inside a comment as nothing and does not evaluate it', () => {
    expect(
      renderShell('echo hi # was ${{ inputs.missing.x }}\necho ${{ inputs.n }}', { inputs: { n: 1 } }),
    ).toBe("echo hi # was \necho '1'");
  });

  it('refuses a value with a NUL character', () => {
    expect(() => renderShell('echo ${{ inputs.v }}', { inputs: { v: 'a\0b' } })).toThrow(/NUL/);
  });
});

describe('places where a quoted word would not be safe', () => {
  const refused: [string, string][] = [
    ['echo "${{ inputs.v }}"', '"…" quotes'],
    ["echo '${{ inputs.v }}'", "'…' quotes"],
    ['echo "a $(echo b) ${{ inputs.v }}"', '"…" quotes'],
    ['echo `echo ${{ inputs.v }}`', 'backquotes'],
    ['echo ${X:-${{ inputs.v }}}', '${ … }'],
    ['echo $(( ${{ inputs.v }} + 1 ))', 'arithmetic'],
    ['(( ${{ inputs.v }} > 1 )) && echo big', 'arithmetic'],
    ['for (( i = 0; i < ${{ inputs.v }}; i++ )); do :; done', 'arithmetic'],
    ['cat <<EOF\nvalue=${{ inputs.v }}\nEOF', 'here-document'],
    ["cat <<-'EOF'\n\t${{ inputs.v }}\n\tEOF", 'here-document'],
    ['cat <<${{ inputs.v }}', 'delimiter'],
    ['echo \\${{ inputs.v }}', 'backslash'],
    ['echo $${{ inputs.v }}', 'follows a $'],
    ["echo $'\\n' ${{ inputs.v }}", "$'…'"],
    ['echo "$(case a in a) echo "${{ inputs.v }}";; esac)"', '"…" quotes'],
    ['[[ 1 -eq ${{ inputs.v }} ]] && echo one', '[[ … ]]'],
    ['let n=${{ inputs.v }}+1', 'let or declare -i'],
    ['declare -i n=${{ inputs.v }}', 'let or declare -i'],
    ['a[${{ inputs.v }}]=1', 'array subscript'],
    ['a["k"${{ inputs.v }}]=1', 'array subscript'],
    ['[[ 1 -eq $(echo ${{ inputs.v }}) ]]', '[[ … ]]'],
    ['echo $(( $(echo ${{ inputs.v }}) + 1 ))', 'arithmetic'],
    ['echo $[ ${{ inputs.v }} + 1 ]', 'arithmetic'],
  ];
  for (const [template, why] of refused) {
    it(`refuses ${JSON.stringify(template)} (${why}) with the column of its \${{`, () => {
      let caught: unknown;
      try {
        renderShell(template, { inputs: { v: 'x' } });
      } catch (err: unknown) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ExpressionError);
      const err = caught as ExpressionError;
      expect(err.reason).toBe('shell_quoting');
      expect(err.message).toContain(why);
      expect(err.column).toBe(template.indexOf('${{'));
      expect(() => checkShellTemplate(template)).toThrow(ExpressionError);
    });
  }

  const accepted = [
    'echo ${{ inputs.v }}',
    'X=${{ inputs.v }} && echo "$X"',
    'echo "$(echo ${{ inputs.v }})"',
    'echo "$(case a in a) echo ${{ inputs.v }};; esac)" ${{ inputs.v }}',
    'cat <<EOF\n$X\nEOF\necho ${{ inputs.v }}',
    'cat <<< ${{ inputs.v }}',
    'echo a#${{ inputs.v }}',
    'echo ${HOME} $((1 + 2)) ${{ inputs.v }}',
    '(( 1 + 2 )) && echo ${{ inputs.v }}',
    'diff <(echo ${{ inputs.v }}) <(echo b) || true',
    '[[ -n $HOME ]] && let n=1; a[1]=${{ inputs.v }}; echo ${a[1]}',
    "echo 'it''s' \"q\" ${{ inputs.v }}",
  ];
  for (const template of accepted) {
    it(`accepts ${JSON.stringify(template)} and bash reads the value literally`, () => {
      expect(checkShellTemplate(template).some((part) => part.kind === 'expr')).toBe(true);
      const script = renderShell(template, { inputs: { v: '$(echo INJECTED)' } });
      // bash, for <<<; the rest reads the same in sh.
      const out = execFileSync('/bin/bash', ['-c', script], { encoding: 'utf8' });
      expect(out).toContain('$(echo INJECTED)');
      expect(out).not.toContain('INJECTED\n');
    });
  }
});

describe('random shell lines', () => {
  const fragments = [
    'echo ',
    ' ',
    '"',
    "'",
    '`',
    '$(',
    ')',
    '(',
    '${X:-',
    '}',
    '$((',
    '))',
    '((',
    '\\',
    '$',
    '#',
    '\n',
    ';',
    '|',
    '&&',
    '<<EOF\n',
    '\nEOF\n',
    "<<'E'\n",
    '\nE\n',
    'case a in a) ',
    ';; esac',
    "$'",
    '<<<',
    '[[ ',
    ' -eq ',
    ' ]]',
    'let ',
    'declare -i ',
    'x[',
    ']=1',
    '$[',
    ']',
    'x=(',
    'a',
    '=',
  ];
  const values = [
    `$(touch ${pwned})`,
    `\`touch ${pwned}\``,
    `'; touch ${pwned}; '`,
    `\ntouch ${pwned}\n`,
    `a[$(touch ${pwned})]`,
  ];

  it('never let a value run a command, whatever text surrounds it', () => {
    let seed = 20240601;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let accepted = 0;
    for (let round = 0; round < 150; round++) {
      let template = '';
      for (let k = 0, parts = 1 + next(8); k < parts; k++) {
        template += next(3) === 0 ? '${{ inputs.v }}' : fragments[next(fragments.length)]!;
      }
      let script: string;
      try {
        script = renderShell(`${template} \${{ inputs.v }}`, { inputs: { v: values[next(values.length)]! } });
      } catch (err: unknown) {
        if (err instanceof ExpressionError) continue;
        throw err;
      }
      accepted++;
      for (const shell of shells) {
        try {
          execFileSync(shell, ['-c', script], { stdio: 'ignore', cwd: sandbox, timeout: 5000 });
        } catch {
          // Most random lines are not valid shell; only what they run matters.
        }
        expect(existsSync(pwned), `${shell} ran a value of ${JSON.stringify(script)}`).toBe(false);
      }
    }
    expect(accepted).toBeGreaterThan(50);
  });
});

describe('shellQuote', () => {
  it('quotes a value with a quote so it cannot break out of its shell word', () => {
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('')).toBe("''");
  });
});
