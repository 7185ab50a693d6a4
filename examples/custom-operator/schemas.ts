// Avro schema of the custom operator's output topic. The registry holds it under
// vision.colours-value; change it BACKWARD-compatibly (new fields need defaults).
import { avro, type Infer } from '@vision-flow/core';

export const ColourStats = avro.record('vision.ColourStats', {
  id: avro.string(),
  source: avro.nullable(avro.string()),
  width: avro.int(),
  height: avro.int(),
  brightness: avro.field(avro.double(), { doc: 'Mean luma (BT.709 weights on sRGB), 0 black to 255 white' }),
  exposure: avro.enum('vision.Exposure', ['dark', 'normal', 'bright']),
  colourfulness: avro.field(avro.double(), { doc: "Hasler & Süsstrunk's M: 0 grey, 33 moderately, 59 highly colourful" }),
  grayscale: avro.field(avro.boolean(), { doc: 'No pixel strays from grey beyond the tolerance: a black-and-white picture' }),
  meanColour: avro.field(avro.string(), { doc: 'Mean colour as #rrggbb' }),
  timings: avro.field(avro.map(avro.double()), { doc: 'Milliseconds per stage: decodeMs, coloursMs' }),
});

export type ColourStats = Infer<typeof ColourStats>;
