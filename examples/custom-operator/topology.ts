// A topology with a custom operator: ingest → colours (decodeImage, then our own colourStats) → deliver.
//
//   vision-flow run examples/custom-operator/topology.ts --images ../shared/images/coco
//
// It reads and writes the image pipeline's `images.submitted` topic with the same schema, so on
// Kafka `--node colours` alone adds colour statistics to a running image pipeline: one more
// independent vision service, with its own consumer group. An undecodable image fails in
// decodeImage and goes to colours.dlq like in any other node; the stream goes on.
import { param, topic, topology } from '@vision-flow/core';
import { decodeImage, directorySource, jsonLinesSink } from '@vision-flow/operators';
import { ImageSubmitted } from '../../topologies/image-pipeline/schemas.js';
import { colourStats } from './colour-stats.js';
import { ColourStats } from './schemas.js';

export const images = topic('images.submitted', { value: ImageSubmitted, partitions: 6, maxMessageBytes: 16 << 20 });
export const colours = topic('vision.colours', { value: ColourStats, partitions: 6 });

export default topology('colour-stats')
  .node('ingest', (n) => n.source(directorySource({ dir: param('images', { description: 'folder of images to submit' }) })).to(images), { maxInFlight: 16 })
  .node('colours', (n) => n.from(images).pipe(decodeImage(), colourStats()).to(colours), { maxInFlight: 8, ordering: 'unordered' })
  .node('deliver', (n) => n.from(colours).pipe(jsonLinesSink({ to: param('out', { default: '-' }) })));
