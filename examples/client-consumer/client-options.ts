import { parseArgs } from 'node:util';

export interface ClientOptions {
  readonly brokers: readonly string[];
  readonly registry: string;
  readonly topic: string;
  readonly group: string;
  /** Stop after this many records; undefined: no limit. */
  readonly max: number | undefined;
  /** Stop when no record came for this many milliseconds; undefined: run until SIGINT/SIGTERM. */
  readonly idleExitMs: number | undefined;
}

export const USAGE = `usage: consume-analyses [options]
  --brokers <list>     Kafka bootstrap servers (env VF_BROKERS, default 127.0.0.1:9092)
  --registry <url>     schema registry base URL (env VF_REGISTRY, default http://127.0.0.1:8081/apis/ccompat/v7)
  --topic <name>       topic to read (default vision.analyses; <ns>.vision.analyses for vision-flow run --namespace <ns>)
  --group <id>         this client's consumer group (default analyses-client)
  --max <n>            stop after n records
  --idle-exit <ms>     stop when no record came for this long`;

/** A wrong command line; the program prints the message and the usage and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Options from the command line, then the environment (VF_BROKERS, VF_REGISTRY), then defaults. */
export function clientOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ClientOptions {
  let values: { [name: string]: string | boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        brokers: { type: 'string' },
        registry: { type: 'string' },
        topic: { type: 'string', default: 'vision.analyses' },
        group: { type: 'string', default: 'analyses-client' },
        max: { type: 'string' },
        'idle-exit': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const str = (name: string) => values[name] as string | undefined;
  const brokers = (str('brokers') ?? env['VF_BROKERS']?.trim()) || '127.0.0.1:9092';
  return {
    brokers: brokers.split(',').map((b) => b.trim()).filter(Boolean),
    registry: (str('registry') ?? env['VF_REGISTRY']?.trim()) || 'http://127.0.0.1:8081/apis/ccompat/v7',
    topic: str('topic')!,
    group: str('group')!,
    max: positiveInt(str('max'), '--max'),
    idleExitMs: positiveInt(str('idle-exit'), '--idle-exit'),
  };
}

function positiveInt(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got "${text}"`);
  return n;
}
