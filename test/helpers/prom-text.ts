/**
 * A small parser for the Prometheus text exposition format (version 0.0.4), enough to read our
 * /metrics back in tests: `# HELP`, `# TYPE`, and `name{label="value",...} number` lines. Throws
 * on a line it cannot read, so a malformed exposition fails the test that parses it.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly samples: readonly Sample[];
  readonly types: ReadonlyMap<string, string>;
  readonly help: ReadonlyMap<string, string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  for (const [n, line] of text.split('\n').entries()) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) {
      const [name, ...rest] = line.slice(7).split(' ');
      help.set(name!, rest.join(' '));
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type ?? ''))
        throw new Error(`line ${n + 1}: unknown type in ${line}`);
      types.set(name!, type!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const name = NAME.exec(line)?.[0];
    if (!name) throw new Error(`line ${n + 1}: no metric name in ${line}`);
    let i = name.length;
    const labels: Record<string, string> = {};
    if (line[i] === '{') {
      i++;
      while (line[i] !== '}') {
        const key = NAME.exec(line.slice(i))?.[0];
        if (!key || line[i + key.length] !== '=' || line[i + key.length + 1] !== '"')
          throw new Error(`line ${n + 1}: bad label at ${i} in ${line}`);
        i += key.length + 2;
        let value = '';
        while (line[i] !== '"') {
          if (i >= line.length) throw new Error(`line ${n + 1}: unterminated label value in ${line}`);
          if (line[i] === '\\') {
            const e = line[i + 1];
            value += e === 'n' ? '\n' : e;
            i += 2;
          } else value += line[i++];
        }
        labels[key] = value;
        i++;
        if (line[i] === ',') i++;
      }
      i++;
    }
    const rest = line.slice(i).trim().split(' ');
    // Values as Go's ParseFloat (Prometheus) reads them: NaN and Inf in any case (prom-client writes `Nan`).
    const raw = rest[0] ?? '';
    const value = /^[+-]?inf$/i.test(raw)
      ? raw.startsWith('-')
        ? -Infinity
        : Infinity
      : /^nan$/i.test(raw)
        ? Number.NaN
        : Number(raw);
    if (raw === '' || (Number.isNaN(value) && !/^nan$/i.test(raw)))
      throw new Error(`line ${n + 1}: bad value in ${line}`);
    samples.push({ name, labels, value });
  }
  return { samples, types, help };
}

/** The one sample with this name and exactly these labels (others ignored), or undefined. */
export function sample(e: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels);
  const found = e.samples.filter(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).length === want.length &&
      want.every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${found.length} samples`);
  return found[0]?.value;
}

/** Every sample of this name. */
export function samples(e: Exposition, name: string): Sample[] {
  return e.samples.filter((s) => s.name === name);
}
