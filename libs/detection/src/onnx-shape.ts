import { Reader, Writer } from 'protobufjs/minimal';

// An ONNX export declares fixed input and output sizes even when the network itself is fully
// convolutional (YOLOX: Resize by scale, Reshape to [1, 85, -1]), and onnxruntime rejects any other
// size. Declaring the input's height and width free lets a 16:9 frame run on the rows its picture
// fills (256 of 416) instead of the whole letterboxed square: 38 % less compute for the same boxes.
// The edit is done on the protobuf wire format: only the three declarations change, every other
// byte of the model (weights, nodes, opsets) is copied as it is.

/** onnx.proto field numbers used here. */
const MODEL_GRAPH = 7;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const GRAPH_VALUE_INFO = 13;
const VALUE_INFO_NAME = 1;
const VALUE_INFO_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_SHAPE = 2;
const SHAPE_DIM = 1;
const DIM_PARAM = 2;
const LEN = 2;

interface Field {
  field: number;
  wire: number;
  /** The whole field, tag included. */
  raw: Uint8Array;
  /** Length-delimited payload (wire type 2 only). */
  payload?: Uint8Array;
}

function readFields(buf: Uint8Array): Field[] {
  const r = Reader.create(buf);
  const fields: Field[] = [];
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.uint32();
    const wire = tag & 7;
    const payload = wire === LEN ? r.bytes() : (r.skipType(wire), undefined);
    fields.push({ field: tag >>> 3, wire, raw: buf.subarray(start, r.pos), payload });
  }
  return fields;
}

function lenField(field: number, payload: Uint8Array): Uint8Array {
  return Writer.create().uint32((field << 3) | LEN).bytes(payload).finish();
}

const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** Rewrites the length-delimited fields `field` of a message with `edit` (null drops the field). */
function editFields(msg: Uint8Array, field: number, edit: (payload: Uint8Array) => Uint8Array | null): Uint8Array {
  const out: Uint8Array[] = [];
  for (const f of readFields(msg)) {
    if (f.field !== field || !f.payload) {
      out.push(f.raw);
      continue;
    }
    const edited = edit(f.payload);
    if (edited) out.push(lenField(field, edited));
  }
  return concat(out);
}

function valueInfoName(valueInfo: Uint8Array): string {
  const name = readFields(valueInfo).find((f) => f.field === VALUE_INFO_NAME)?.payload;
  return name ? Buffer.from(name).toString('utf8') : '';
}

/** A value's tensor shape with the dimensions at `free` (index → name) made symbolic, the others kept. */
function freeDims(valueInfo: Uint8Array, free: Map<number, string>): Uint8Array {
  return editFields(valueInfo, VALUE_INFO_TYPE, (type) =>
    editFields(type, TYPE_TENSOR, (tensor) =>
      editFields(tensor, TENSOR_SHAPE, (shape) => {
        let index = 0;
        return editFields(shape, SHAPE_DIM, (dim) => {
          const name = free.get(index++);
          return name === undefined ? dim : Writer.create().uint32((DIM_PARAM << 3) | LEN).string(name).finish();
        });
      }),
    ),
  );
}

/**
 * The model with its input's height and width (NCHW dims 2 and 3) and its output's anchor count
 * (dim 1) declared free, and the intermediate shape hints (graph.value_info, valid for the exported
 * size only) dropped. Throws when the graph has no such input or output.
 */
export function freeInputSize(model: Uint8Array, inputName: string, outputName: string): Uint8Array {
  const found = { input: false, output: false };
  const edited = editFields(model, MODEL_GRAPH, (graph) => {
    const fields: Uint8Array[] = [];
    for (const f of readFields(graph)) {
      if (f.field === GRAPH_VALUE_INFO) continue;
      if (f.payload && f.field === GRAPH_INPUT && valueInfoName(f.payload) === inputName) {
        found.input = true;
        fields.push(lenField(GRAPH_INPUT, freeDims(f.payload, new Map([[2, 'height'], [3, 'width']]))));
      } else if (f.payload && f.field === GRAPH_OUTPUT && valueInfoName(f.payload) === outputName) {
        found.output = true;
        fields.push(lenField(GRAPH_OUTPUT, freeDims(f.payload, new Map([[1, 'anchors']]))));
      } else fields.push(f.raw);
    }
    return concat(fields);
  });
  if (!found.input || !found.output) {
    throw new Error(`onnx model: no graph ${found.input ? `output '${outputName}'` : `input '${inputName}'`} to free its size`);
  }
  return edited;
}
