// The seam between `up`'s supervisor and whatever starts a node: plain OS processes
// (process-launcher.ts) or containers (../containers/container-launcher.ts). The supervisor only
// sees these three shapes, so restart, back-off and give-up work the same for both.

/** What to start: one replica of one node of a topology, with the environment a container would get. */
export interface LaunchSpec {
  /** Absolute path of the topology module. */
  topologyFile: string;
  /** Node name as the topology declares it. */
  node: string;
  /** 1-based replica number (objects#1, objects#2, ...). */
  replica: number;
  /** VF_BROKERS, VF_REGISTRY, VF_NAMESPACE, VF_MODEL_DIR, VF_NODE, VF_HTTP_PORT, VF_HTTP_HOST, VF_INSTANCE_ID, ... */
  env: { [k: string]: string };
  /** Extra arguments after `vision-flow run <topology> --node <node>` (e.g. --set, --images, --out). */
  args: string[];
}

/** One started node: its combined output, its end, and a way to signal it. */
export interface Launched {
  /** Display name, e.g. `objects#1`; for containers also the container name. */
  name: string;
  /** OS process id (for containers: the container's main process as the host sees it, when known). */
  pid?: number;
  /** Container id or name, for containers only. */
  container?: string;
  /** stdout and stderr of the node, merged. Ends when the node ends. */
  output: NodeJS.ReadableStream;
  /** Settles once when the node has ended; never rejects. */
  exited: Promise<{ code: number | null; signal: string | null }>;
  /** Send a signal (SIGTERM for a graceful stop, SIGKILL to end it now). No-op once it has exited. */
  kill(sig: NodeJS.Signals): void;
}

export interface Launcher {
  launch(spec: LaunchSpec): Promise<Launched>;
}
