import { Reader, Writer } from 'protobufjs/minimal';
import { freeInputSize } from './onnx-shape';

// A hand-built ModelProto with just the fields the edit touches, plus some it must copy untouched.
type Dim = number | string;
const len = (field: number, payload: Uint8Array) => Writer.create().uint32((field << 3) | 2).bytes(payload).finish();
const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const dim = (d: Dim) =>
  typeof d === 'number' ? Writer.create().uint32(1 << 3).int64(d).finish() : Writer.create().uint32((2 << 3) | 2).string(d).finish();
const valueInfo = (name: string, dims: Dim[]) =>
  cat(
    Writer.create().uint32((1 << 3) | 2).string(name).finish(),
    len(2, len(1, cat(Writer.create().uint32(1 << 3).int32(1).finish(), len(2, cat(...dims.map((d) => len(1, dim(d)))))))),
  );
const node = Writer.create().uint32((1 << 3) | 2).string('images').uint32((4 << 3) | 2).string('Conv').finish();
const initializer = Writer.create().uint32((8 << 3) | 2).string('weights-bytes').finish();

function model(extraGraph: Uint8Array[] = []): Uint8Array {
  const graph = cat(
    len(1, node),
    len(5, initializer),
    len(11, valueInfo('images', [1, 3, 416, 416])),
    len(12, valueInfo('output', [1, 3549, 85])),
    len(13, valueInfo('hidden', [1, 16, 208, 208])),
    ...extraGraph,
  );
  return cat(Writer.create().uint32(1 << 3).int64(7).finish(), len(7, graph), len(8, Writer.create().uint32(2 << 3).int64(11).finish()));
}

/** Reads back the graph: value infos by field and name → dims, and the raw other fields. */
function readGraph(bytes: Uint8Array) {
  const fields = (buf: Uint8Array) => {
    const r = Reader.create(buf);
    const out: { field: number; payload?: Uint8Array; value?: number }[] = [];
    while (r.pos < r.len) {
      const tag = r.uint32();
      if ((tag & 7) === 2) out.push({ field: tag >>> 3, payload: r.bytes() });
      else out.push({ field: tag >>> 3, value: Number(r.int64()) });
    }
    return out;
  };
  const top = fields(bytes);
  const graph = fields(top.find((f) => f.field === 7)!.payload!);
  const shapeOf = (vi: Uint8Array) => {
    const tensor = fields(fields(fields(vi).find((f) => f.field === 2)!.payload!)[0].payload!);
    return fields(tensor.find((f) => f.field === 2)!.payload!).map((d) => {
      const [v] = fields(d.payload!);
      return v.field === 1 ? v.value! : Buffer.from(v.payload!).toString();
    });
  };
  const named = (field: number) =>
    Object.fromEntries(
      graph.filter((f) => f.field === field).map((f) => [Buffer.from(fields(f.payload!)[0].payload!).toString(), shapeOf(f.payload!)]),
    );
  return { top, graph, inputs: named(11), outputs: named(12), valueInfo: named(13) };
}

describe('freeInputSize', () => {
  it('frees the input height and width and the output anchors, keeping the other dims', () => {
    const g = readGraph(freeInputSize(model(), 'images', 'output'));
    expect(g.inputs).toEqual({ images: [1, 3, 'height', 'width'] });
    expect(g.outputs).toEqual({ output: [1, 'anchors', 85] });
  });

  it('drops the intermediate shape hints and copies everything else byte for byte', () => {
    const before = readGraph(model());
    const after = readGraph(freeInputSize(model(), 'images', 'output'));
    expect(before.valueInfo).toEqual({ hidden: [1, 16, 208, 208] });
    expect(after.valueInfo).toEqual({});
    const others = (g: typeof before) => g.graph.filter((f) => f.field !== 11 && f.field !== 12 && f.field !== 13);
    expect(others(after)).toEqual(others(before));
    expect(after.top.filter((f) => f.field !== 7)).toEqual(before.top.filter((f) => f.field !== 7));
  });

  it('leaves other inputs and outputs alone', () => {
    const g = readGraph(freeInputSize(model([len(11, valueInfo('mask', [1, 1, 416, 416]))]), 'images', 'output'));
    expect(g.inputs).toEqual({ images: [1, 3, 'height', 'width'], mask: [1, 1, 416, 416] });
  });

  it('names what it did not find', () => {
    expect(() => freeInputSize(model(), 'input', 'output')).toThrow("onnx model: no graph input 'input' to free its size");
    expect(() => freeInputSize(model(), 'images', 'logits')).toThrow("onnx model: no graph output 'logits' to free its size");
  });
});
