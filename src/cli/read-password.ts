import { GazetteError } from '../shared/errors.ts';

/**
 * The password for `gazette admin add-user|reset-password`: typed at a terminal without echo
 * (asked twice), or the first line of standard input when it is a pipe (scripts, `< file`).
 * Never an argument: arguments show in `ps` and shell history.
 */
export async function readPassword(input: NodeJS.ReadStream, prompt: NodeJS.WriteStream): Promise<string> {
  if (!input.isTTY) {
    const text = await readAll(input);
    const line = text.split(/\r?\n/)[0] ?? '';
    if (line === '') throw new GazetteError('InvalidArgument', 'No password on standard input: pipe one line holding the password.');
    return line;
  }
  const first = await promptHidden(input, prompt, 'Password: ');
  const second = await promptHidden(input, prompt, 'Password again: ');
  if (first !== second) throw new GazetteError('InvalidArgument', 'The two passwords differ; nothing was changed.');
  return first;
}

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads one line in raw mode, echoing nothing; Ctrl-C cancels, Backspace deletes. */
function promptHidden(input: NodeJS.ReadStream, output: NodeJS.WriteStream, question: string): Promise<string> {
  output.write(question);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (error?: Error): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new GazetteError('InvalidArgument', 'Cancelled; nothing was changed.'));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else value += ch;
      }
    };
    input.on('data', onData);
  });
}
