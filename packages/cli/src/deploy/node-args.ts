import type { DeployModel, DeployNode } from './deploy-model.js';

/** The arguments a node container gives the image's entrypoint (the CLI): `run <topology> --node <name>` and the parameters. */
export function nodeArgs(model: DeployModel, node: DeployNode): string[] {
  const sets = Object.keys(model.params).sort().flatMap((k) => ['--set', `${k}=${typeof model.params[k] === 'string' ? model.params[k] : JSON.stringify(model.params[k])}`]);
  // An HTTP source listens on 127.0.0.1 by default: in a container it must take connections from outside.
  const listen = node.ingestHostParam === undefined ? [] : ['--set', `${node.ingestHostParam}=0.0.0.0`];
  return ['run', model.topologyInImage, '--node', node.name, ...listen, ...sets];
}
