/**
 * The models vision-flow knows: file, checksum, and the pre/post-processing contract measured with
 * onnxruntime-node 1.30 and sharp (see ../shared/models/README.md). Plain data, so it crosses to
 * inference workers by structured clone.
 */

export type ObjectModelName = 'yolox-nano';
export type FaceModelName = 'ultraface-rfb-320' | 'ultraface-slim-320' | 'ultraface-rfb-640';
export type ModelName = ObjectModelName | FaceModelName;

export interface InputContract {
  /** Name of the input tensor. */
  readonly tensor: string;
  /** [batch, channels, height, width]; batch is fixed at 1 by every model here. */
  readonly shape: readonly [1, 3, number, number];
  readonly layout: 'NCHW';
  readonly channelOrder: 'RGB' | 'BGR';
  /** Each channel value v (0–255) becomes (v − mean) / std. */
  readonly mean: number;
  readonly std: number;
  /** letterbox: keep aspect ratio, image at the top-left, pad the rest; stretch: plain resize. */
  readonly resize: 'letterbox' | 'stretch';
  /** Padding value (0–255, all channels) for letterbox. */
  readonly padValue: number;
}

export interface YoloxOutput {
  readonly kind: 'yolox';
  readonly tensor: string;
  /** [1, rows, 5 + classes]; rows are the grid cells of each stride, in stride order. */
  readonly shape: readonly [1, number, number];
  readonly strides: readonly number[];
  readonly classes: number;
}

export interface UltrafaceOutput {
  readonly kind: 'ultraface';
  /** [1, anchors, 2]: background, face probabilities. */
  readonly scores: string;
  /** [1, anchors, 4]: x1, y1, x2, y2 normalised to 0–1. */
  readonly boxes: string;
  readonly anchors: number;
}

export type OutputContract = YoloxOutput | UltrafaceOutput;

export interface ModelSpec {
  readonly name: ModelName;
  readonly task: 'objects' | 'faces';
  readonly file: string;
  /** SHA-256 of `file`, lower-case hex. */
  readonly sha256: string;
  readonly input: InputContract;
  readonly output: OutputContract;
  /**
   * Class names, one a line (index = class id), beside the model file; `rename` maps a file's
   * spelling to the name detections carry (the file's older spellings to the dataset's official names).
   */
  readonly labels?: { readonly file: string; readonly sha256: string; readonly rename?: Readonly<{ [inFile: string]: string }> };
  /** classAware: NMS suppresses only boxes of the same class (YOLOX's reference code suppresses across classes). */
  readonly defaults: { readonly scoreThreshold: number; readonly iouThreshold: number; readonly classAware: boolean };
  /** Where to download `file` itself (a direct download, not a web page about it). */
  readonly upstream: string;
  readonly licence: { readonly spdx: string; readonly file: string };
  readonly description: string;
}

/**
 * coco-classes.txt spells six classes as PASCAL VOC did; detections carry COCO's official names,
 * which client teams count by.
 */
const COCO_OFFICIAL_NAMES = Object.freeze({
  aeroplane: 'airplane',
  motorbike: 'motorcycle',
  sofa: 'couch',
  pottedplant: 'potted plant',
  diningtable: 'dining table',
  tvmonitor: 'tv',
});

const ULTRAFACE_REPO = 'https://github.com/Linzaer/Ultra-Light-Fast-Generic-Face-Detector-1MB';

function ultraface(name: FaceModelName, upstreamFile: string, sha256: string, width: number, height: number, anchors: number, description: string): ModelSpec {
  return {
    name,
    task: 'faces',
    file: `${name}.onnx`,
    sha256,
    input: { tensor: 'input', shape: [1, 3, height, width], layout: 'NCHW', channelOrder: 'RGB', mean: 127, std: 128, resize: 'stretch', padValue: 0 },
    output: { kind: 'ultraface', scores: 'scores', boxes: 'boxes', anchors },
    defaults: { scoreThreshold: 0.7, iouThreshold: 0.3, classAware: true },
    // /raw/, not /blob/: /blob/ is an HTML page; /raw/ redirects to the file (also for Git LFS).
    upstream: `${ULTRAFACE_REPO}/raw/master/models/onnx/${upstreamFile}`,
    licence: { spdx: 'MIT', file: 'LICENSE.ultraface.txt' },
    description,
  };
}

export const catalogue: Readonly<{ [name in ModelName]: ModelSpec }> = Object.freeze({
  'yolox-nano': {
    name: 'yolox-nano',
    task: 'objects',
    file: 'yolox-nano.onnx',
    sha256: '695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14',
    // BGR, raw 0–255: 0–1 or (x−127)/128 gives no detections at all (measured).
    input: { tensor: 'images', shape: [1, 3, 416, 416], layout: 'NCHW', channelOrder: 'BGR', mean: 0, std: 1, resize: 'letterbox', padValue: 114 },
    output: { kind: 'yolox', tensor: 'output', shape: [1, 3549, 85], strides: [8, 16, 32], classes: 80 },
    labels: { file: 'coco-classes.txt', sha256: '634a1132eb33f8091d60f2c346ababe8b905ae08387037aed883953b7329af84', rename: COCO_OFFICIAL_NAMES },
    defaults: { scoreThreshold: 0.3, iouThreshold: 0.45, classAware: false },
    upstream: 'https://github.com/Megvii-BaseDetection/YOLOX/releases/download/0.1.1rc0/yolox_nano.onnx',
    licence: { spdx: 'Apache-2.0', file: 'LICENSE.yolox-sample.txt' },
    description: 'YOLOX-Nano object detector, 80 COCO classes, 416×416 input',
  },
  'ultraface-rfb-320': ultraface('ultraface-rfb-320', 'version-RFB-320.onnx', '34cd7e60aeff28744c657de7a3dc64e872d506741de66987f3426f2b79f88017', 320, 240, 4420,
    'UltraFace RFB face detector, 320×240 input'),
  'ultraface-slim-320': ultraface('ultraface-slim-320', 'version-slim-320.onnx', 'e9adbd0f920ddcce9368434c4d34d72520dc0c19b526fd44b4ef49bde2c3b1a8', 320, 240, 4420,
    'UltraFace slim face detector, 320×240 input, a little faster than RFB'),
  'ultraface-rfb-640': ultraface('ultraface-rfb-640', 'version-RFB-640.onnx', '8f4c659275977e7a3bfbfa339a9c769ad793df50f9c0baa8c14b11baa1646430', 640, 480, 17640,
    'UltraFace RFB face detector, 640×480 input: more small faces in crowds, 3–4× slower than the 320 models'),
});

export const modelNames = Object.freeze(Object.keys(catalogue) as ModelName[]);

export const isModelName = (name: string): name is ModelName => Object.hasOwn(catalogue, name);
