// A client team's program: reads the image pipeline's results from Kafka and prints one line per
// analysed image. It knows the pipeline only by its topic and the schema registry; it does not
// depend on vision-flow, just on @confluentinc/kafka-javascript (KafkaJS-style API) and
// @kafkajs/confluent-schema-registry.
//
//   npx tsx examples/client-consumer/consume-analyses.ts --max 40
//
// Its own consumer group: it neither slows down nor shares offsets with the pipeline's nodes. An
// offset is committed only once its line is written (at-least-once: after a crash a line may be
// printed twice, never lost; the image id is the key to deduplicate on).
import kafkaJavascript, { type KafkaJS } from '@confluentinc/kafka-javascript';
import { clientOptions, UsageError, USAGE, type ClientOptions } from './client-options.js';
import { formatAnalysis } from './format-analysis.js';
import { isImageAnalysis } from './image-analysis.js';
import { RegistryDecoder, UndecodableMessageError } from './registry-decoder.js';

const { Kafka, logLevel } = kafkaJavascript.KafkaJS;

interface Counts {
  complete: number;
  partial: number;
  skipped: number;
}

async function main(argv: readonly string[]): Promise<number> {
  let opts: ClientOptions;
  try {
    opts = clientOptions(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`consume-analyses: ${e.message}\n${USAGE}\n`);
    return 2;
  }

  const decoder = new RegistryDecoder(opts.registry);
  const kafka = new Kafka({ kafkaJS: { brokers: [...opts.brokers], clientId: 'analyses-client', logLevel: logLevel.ERROR } });
  // A new group starts at the oldest result; a known group goes on after its last commit.
  const consumer = kafka.consumer({ kafkaJS: { groupId: opts.group, fromBeginning: true, autoCommit: false } });

  const counts: Counts = { complete: 0, partial: 0, skipped: 0 };
  let stopReason: string | undefined;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  const stop = (why: string) => {
    if (stopReason !== undefined) return;
    stopReason = why;
    resolveStopped();
  };
  let idleTimer: NodeJS.Timeout | undefined;
  const armIdle = () => {
    if (opts.idleExitMs === undefined) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => stop(`no record for ${opts.idleExitMs} ms`), opts.idleExitMs);
  };
  const onSignal = (signal: NodeJS.Signals) => stop(signal);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const handle = async ({ topic, partition, message }: KafkaJS.EachMessagePayload): Promise<void> => {
    if (stopReason !== undefined) return; // not committed: the next run reads it again
    armIdle();
    const where = `${topic}/${partition}@${message.offset}`;
    try {
      const value = message.value === null ? null : await decoder.decode(message.value);
      if (!isImageAnalysis(value)) throw new UndecodableMessageError(value === null ? 'a null value (tombstone)' : 'not an image analysis');
      await writeLine(formatAnalysis(value));
      if (value.complete) counts.complete++;
      else counts.partial++;
    } catch (e) {
      if (!(e instanceof UndecodableMessageError)) {
        // A passing fault (the registry restarting, say): wait, then let the consumer deliver this message again.
        process.stderr.write(`consume-analyses: ${where}: ${(e as Error).message}; retrying in 1 s\n`);
        await new Promise((r) => setTimeout(r, 1000));
        throw e;
      }
      // Retrying cannot help a message that is not what we expect: say so and move on.
      process.stderr.write(`consume-analyses: skipped ${where}: ${e.message}\n`);
      counts.skipped++;
    }
    await consumer.commitOffsets([{ topic, partition, offset: String(BigInt(message.offset) + 1n) }]);
    if (opts.max !== undefined && counts.complete + counts.partial + counts.skipped >= opts.max) stop(`${opts.max} records read`);
  };

  let connected = false;
  try {
    await consumer.connect().catch((e: unknown) => {
      throw new Error(`cannot connect to Kafka at ${opts.brokers.join(',')}: ${(e as Error).message}`);
    });
    connected = true;
    await consumer.subscribe({ topics: [opts.topic] });
    armIdle();
    await consumer.run({ eachMessage: handle });
    await stopped;
  } finally {
    clearTimeout(idleTimer);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (connected) await consumer.disconnect();
  }
  const read = counts.complete + counts.partial;
  process.stderr.write(
    `consume-analyses: ${read} analyses (${counts.complete} complete, ${counts.partial} partial), ${counts.skipped} skipped from ${opts.topic} as group ${opts.group}; stopped: ${stopReason}\n`,
  );
  return 0;
}

/** Resolves once the line is handed to the OS, so that its offset is committed only after. */
function writeLine(line: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(`${line}\n`, (e) => (e ? reject(e) : resolve())));
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`consume-analyses: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
