/**
 * The `$TANDEM_OUTPUTS` file format, as GitHub Actions' `$GITHUB_OUTPUT`: `name=value` lines, or
 * `name<<DELIM` … `DELIM` for a multi-line value. Values are kept exactly as written; the last
 * write of a name wins.
 */
export class OutputsFormatError extends Error {}

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function parseOutputsFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  // A file ends with a newline; the empty string after it is not a line.
  if (lines.at(-1) === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc && !line.includes('=')) {
      const [, name, delim] = heredoc as unknown as [string, string, string];
      checkName(name, i);
      const body: string[] = [];
      let closed = false;
      for (i++; i < lines.length; i++) {
        if (lines[i] === delim) {
          closed = true;
          break;
        }
        body.push(lines[i]!);
      }
      if (!closed)
        throw new OutputsFormatError(`outputs: "${name}<<${delim}" is never closed by a line "${delim}"`);
      out[name] = body.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0)
      throw new OutputsFormatError(`outputs line ${i + 1}: expected name=value or name<<DELIMITER`);
    const name = line.slice(0, eq);
    checkName(name, i);
    out[name] = line.slice(eq + 1);
  }
  return out;
}

function checkName(name: string, index: number): void {
  if (!NAME.test(name))
    throw new OutputsFormatError(`outputs line ${index + 1}: "${name}" is not a valid output name`);
}
