import { KafkaTransport } from '@vision-flow/core';

/**
 * Deletes what a test left under its namespace on the test cluster: every topic named `<ns>.…` and
 * every registry subject `<ns>.…` (soft, then permanent), so no trace of the test stays. For
 * teardown: failures are ignored. VF_E2E_KEEP=1 keeps everything for a look afterwards
 * (`vision-flow tail <topic> --namespace <ns>`).
 */
export async function dropNamespace(brokers: string, registry: string, ns: string): Promise<void> {
  if (process.env['VF_E2E_KEEP']) return;
  const kafka = await KafkaTransport.connect({ brokers, clientId: 'vf-e2e-cleanup' }).catch(() => undefined);
  if (kafka) {
    try {
      const topics = (await kafka.admin().listTopics().catch(() => [] as string[])).filter((t) => t.startsWith(`${ns}.`));
      if (topics.length > 0) await kafka.admin().deleteTopics(topics).catch(() => undefined);
    } finally {
      await kafka.close();
    }
  }
  const res = await fetch(`${registry}/subjects`).catch(() => undefined);
  const subjects = res?.ok ? ((await res.json()) as string[]).filter((s) => s.startsWith(`${ns}.`)) : [];
  for (const s of subjects) {
    for (const q of ['', '?permanent=true']) await fetch(`${registry}/subjects/${encodeURIComponent(s)}${q}`, { method: 'DELETE' }).catch(() => undefined);
  }
}
