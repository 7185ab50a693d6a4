import { KafkaTransport } from '@vision-flow/core';

/**
 * Deletes what a `vision-flow run --namespace <ns>` left on the test cluster: every topic named
 * `<ns>.…` and every registry subject `<ns>.…` (soft, then permanent), so no trace of the test stays.
 */
export async function dropNamespace(brokers: string, registry: string, ns: string): Promise<void> {
  const kafka = await KafkaTransport.connect({ brokers, clientId: 'vf-examples-cleanup' });
  try {
    const topics = (await kafka.admin().listTopics()).filter((t) => t.startsWith(`${ns}.`));
    if (topics.length > 0) await kafka.admin().deleteTopics(topics);
  } finally {
    await kafka.close();
  }
  const res = await fetch(`${registry}/subjects`);
  const subjects = res.ok ? ((await res.json()) as string[]).filter((s) => s.startsWith(`${ns}.`)) : [];
  for (const s of subjects) {
    for (const q of ['', '?permanent=true']) await fetch(`${registry}/subjects/${encodeURIComponent(s)}${q}`, { method: 'DELETE' });
  }
}
