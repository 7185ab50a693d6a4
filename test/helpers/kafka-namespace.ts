import { dropNamespace } from './drop-namespace.js';
import { kafkaBrokers, registryUrl } from './kafka-env.js';
import { ClusterView } from './pipeline-processes.js';
import { randomId } from './random-id.js';

/**
 * A namespace of its own on the test cluster for one describe block: its topics, groups and
 * registry subjects are `<name>.…`, so tests never see each other's. `connect()` (in beforeAll)
 * opens the test's view of it; `drop()` (in afterAll) deletes every topic and subject under it and
 * closes the view.
 *
 * @example
 * const kns = new KafkaNamespace('t-rebal');
 * beforeAll(() => kns.connect());
 * afterAll(() => kns.drop());
 */
export class KafkaNamespace {
  /** `<prefix>-<random hex>`: what `vision-flow run --namespace` gets. */
  readonly name: string;
  readonly brokers = kafkaBrokers();
  readonly registry = registryUrl();
  private connected: ClusterView | undefined;

  constructor(prefix = 't') {
    this.name = `${prefix}-${randomId()}`;
  }

  /** Connects the test's view of the namespace: end offsets, lag, records decoded, admin and clients. */
  async connect(): Promise<ClusterView> {
    this.connected = await ClusterView.connect(this.brokers, this.registry, this.name);
    return this.connected;
  }

  get view(): ClusterView {
    if (!this.connected) throw new Error(`namespace ${this.name}: connect() first`);
    return this.connected;
  }

  /** `--brokers`, `--registry` and `--namespace` for a `vision-flow` command in this namespace. */
  get cliArgs(): string[] {
    return ['--brokers', this.brokers, '--registry', this.registry, '--namespace', this.name];
  }

  /** Deletes every topic and registry subject of the namespace (not with VF_E2E_KEEP=1) and closes the view. */
  async drop(): Promise<void> {
    await dropNamespace(this.brokers, this.registry, this.name);
    await this.connected?.close().catch(() => undefined);
  }
}
