import type { TopicSpec } from './transport.js';

/** The topic configs a spec sets when the topic is created, and that provisioning keeps in step. */
export function topicConfigs(spec: TopicSpec): { [name: string]: string } {
  const config: { [name: string]: string } = {};
  // Compacted with a retention (a window store's changelog): old windows are deleted too.
  if (spec.compacted) config['cleanup.policy'] = spec.retentionMs !== undefined && spec.retentionMs !== -1 ? 'compact,delete' : 'compact';
  else config['cleanup.policy'] = 'delete';
  if (spec.retentionMs !== undefined) config['retention.ms'] = String(spec.retentionMs);
  if (spec.maxMessageBytes !== undefined) config['max.message.bytes'] = String(spec.maxMessageBytes);
  return config;
}

/** Every config name `topicConfigs` may set, for reading them back. */
export const MANAGED_TOPIC_CONFIGS: readonly string[] = ['cleanup.policy', 'max.message.bytes', 'retention.ms'];
