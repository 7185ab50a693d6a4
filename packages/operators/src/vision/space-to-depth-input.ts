// YOLOX begins with a "Focus" layer: its [1, 3, H, W] image is sliced into the four 2 × 2 phases
// (x[..., r::2, c::2]) by eight strided Slices and stacked by a Concat into [1, 12, H/2, W/2]. In
// ONNX Runtime those nine nodes cost 1.5 ms of yolox-nano's 15.5 per run; the resize writes the same
// values in that layout for free (tensor-layout.ts). So the detector takes the Focus out of the graph
// and feeds the Concat's output directly: the same numbers reach the first convolution, bit for bit.
import { int64Tensor, messageField, ONNX, readFields, stringOf, stringsOf, varintField, withGraph, type WireField } from './onnx-wire.js';
import type { SpaceToDepthBlocks } from './tensor-layout.js';

export interface SpaceToDepthInput {
  readonly bytes: Uint8Array;
  /** Set when the Focus was taken out: the tensor to feed instead of the image, and its phases' order. */
  readonly feed?: { readonly name: string; readonly blocks: SpaceToDepthBlocks };
}

interface Node {
  readonly field: WireField;
  readonly op: string;
  readonly inputs: string[];
  readonly outputs: string[];
  readonly attributes: WireField[][];
}

/** A Slice of one axis, every second element from `start`: the one kind of Slice a Focus is made of. */
interface HalfSlice {
  readonly axis: number;
  readonly start: number;
}

/**
 * The model with a Focus at its one image input taken out, or unchanged (the same bytes) when it
 * has none: the input must be [1, 3, H, W] with H and W even, read by nothing but two-level chains of
 * half Slices (one on each spatial axis) that end in one Concat on the channel axis.
 */
export function withSpaceToDepthInput(model: Uint8Array): SpaceToDepthInput {
  const unchanged = { bytes: model };
  const top = readFields(model);
  const graphs = top.filter((f) => f.number === ONNX.model.graph);
  if (graphs.length !== 1 || !graphs[0]!.body) return unchanged;
  const graph = readFields(graphs[0]!.body);
  const inputs = graph.filter((f) => f.number === ONNX.graph.input);
  if (inputs.length !== 1) return unchanged;
  const input = readFields(inputs[0]!.body!);
  const name = stringOf(input, ONNX.valueInfo.name);
  const dims = tensorDims(input);
  if (!name || !dims || dims.length !== 4 || dims[0] !== 1 || dims[1] !== 3 || dims[2]! % 2 || dims[3]! % 2) return unchanged;

  const nodes = graph.filter((f) => f.number === ONNX.graph.node).map(parseNode);
  const constants = new Map<string, number[]>();
  for (const f of graph) {
    if (f.number !== ONNX.graph.initializer || !f.body) continue;
    const tensor = readFields(f.body);
    const values = int64Tensor(tensor);
    const tensorName = stringOf(tensor, ONNX.tensor.name);
    if (values && tensorName) constants.set(tensorName, values);
  }
  const readers = (value: string): Node[] => nodes.filter((n) => n.inputs.includes(value));

  // input → Slice → Slice → Concat, four times, and nothing else reads any of it.
  const chains: Array<{ first: Node; second: Node; row: number; col: number }> = [];
  for (const first of readers(name)) {
    const a = halfSlice(first, name, constants, dims);
    const next = readers(first.outputs[0] ?? '');
    const second = next[0];
    if (!a || next.length !== 1 || !second) return unchanged;
    const b = halfSlice(second, first.outputs[0]!, constants, dims);
    if (!b || a.axis === b.axis) return unchanged;
    const [rowSlice, colSlice] = a.axis === 2 ? [a, b] : [b, a];
    chains.push({ first, second, row: rowSlice.start, col: colSlice.start });
  }
  const concat = chains.length === 4 ? readers(chains[0]!.second.outputs[0]!) : [];
  const join = concat[0];
  if (concat.length !== 1 || !join || join.op !== 'Concat' || join.inputs.length !== 4 || intAttribute(join, 'axis') !== 1) return unchanged;
  const blocks = join.inputs.map((value) => chains.find((c) => c.second.outputs[0] === value));
  if (blocks.some((c) => !c || readers(c.second.outputs[0]!).length !== 1) || new Set(blocks.map((c) => `${c!.row},${c!.col}`)).size !== 4) return unchanged;

  const fed = join.outputs[0]!;
  const removed = new Set<WireField>([join.field, ...chains.flatMap((c) => [c.first.field, c.second.field])]);
  const edited = graph.flatMap((f) => (f === inputs[0] ? [tensorInput(fed, elemType(input), [1, 12, dims[2]! / 2, dims[3]! / 2])] : removed.has(f) ? [] : [f.whole]));
  return { bytes: withGraph(top, edited), feed: { name: fed, blocks: blocks.map((c) => ({ row: c!.row, col: c!.col })) } };
}

function parseNode(field: WireField): Node {
  const f = readFields(field.body!);
  return {
    field,
    op: stringOf(f, ONNX.node.opType) ?? '',
    inputs: stringsOf(f, ONNX.node.input),
    outputs: stringsOf(f, ONNX.node.output),
    attributes: f.filter((a) => a.number === ONNX.node.attribute && a.body).map((a) => readFields(a.body!)),
  };
}

function intAttribute(node: Node, name: string): number | undefined {
  return node.attributes.find((a) => stringOf(a, ONNX.attribute.name) === name)?.find((f) => f.number === ONNX.attribute.i)?.varint;
}

/** `node` as a Slice of `from` keeping every second element of axis 2 or 3 from 0 or 1 to the end (opset 10+: its arguments as constants). */
function halfSlice(node: Node, from: string, constants: ReadonlyMap<string, number[]>, dims: readonly number[]): HalfSlice | undefined {
  if (node.op !== 'Slice' || node.inputs[0] !== from || node.inputs.length !== 5 || node.outputs.length !== 1) return undefined;
  const [starts, ends, axes, steps] = node.inputs.slice(1).map((n) => constants.get(n));
  if (![starts, ends, axes, steps].every((v) => v?.length === 1)) return undefined;
  const axis = axes![0]! < 0 ? axes![0]! + 4 : axes![0]!;
  const start = starts![0]!;
  if ((axis !== 2 && axis !== 3) || steps![0] !== 2 || (start !== 0 && start !== 1) || ends![0]! < dims[axis]!) return undefined;
  return { axis, start };
}

/** The static dims of a tensor ValueInfoProto, or undefined if any is symbolic. */
function tensorDims(valueInfo: readonly WireField[]): number[] | undefined {
  const tensor = tensorType(valueInfo);
  const shape = tensor?.find((f) => f.number === ONNX.tensorType.shape)?.body;
  if (!shape) return undefined;
  const dims = readFields(shape).filter((f) => f.number === ONNX.shape.dim).map((d) => readFields(d.body!).find((f) => f.number === ONNX.dimension.value)?.varint);
  return dims.every((d) => d !== undefined) ? (dims as number[]) : undefined;
}

function tensorType(valueInfo: readonly WireField[]): WireField[] | undefined {
  const type = valueInfo.find((f) => f.number === ONNX.valueInfo.type)?.body;
  const tensor = type ? readFields(type).find((f) => f.number === ONNX.type.tensor)?.body : undefined;
  return tensor ? readFields(tensor) : undefined;
}

const elemType = (valueInfo: readonly WireField[]): number => tensorType(valueInfo)?.find((f) => f.number === ONNX.tensorType.elemType)?.varint ?? 1;

/** A graph input field: ValueInfoProto { name, type: { tensor_type: { elem_type, shape } } }. */
function tensorInput(name: string, elem: number, dims: readonly number[]): Uint8Array {
  const shape = Buffer.concat(dims.map((d) => messageField(ONNX.shape.dim, varintField(ONNX.dimension.value, d))));
  const tensor = Buffer.concat([varintField(ONNX.tensorType.elemType, elem), messageField(ONNX.tensorType.shape, shape)]);
  const valueInfo = Buffer.concat([messageField(ONNX.valueInfo.name, Buffer.from(name)), messageField(ONNX.valueInfo.type, messageField(ONNX.type.tensor, tensor))]);
  return messageField(ONNX.graph.input, valueInfo);
}
