/**
 * A minimal ONNX ModelProto encoder, so tests build small models with known weights instead of
 * downloading one. Field numbers are onnx.proto3's; only what the tests' graphs need is encoded.
 */

export type ElemType = 'float' | 'float16' | 'int64';
/** onnx TensorProto.DataType. */
export const DATA_TYPE: Record<ElemType, number> = { float: 1, float16: 10, int64: 7 };

export interface ValueInfo {
  readonly name: string;
  readonly type: ElemType;
  /** A number is a fixed size, a string a symbolic one ('batch', 'seq'). */
  readonly shape: readonly (number | string)[];
}

export interface Initializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}

export interface GraphNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** INT (a number) or INTS (a list) attributes, e.g. Gather's axis, ReduceMean's axes. */
  readonly attributes?: Readonly<Record<string, number | readonly number[]>>;
}

export interface ModelSpec {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly nodes: readonly GraphNode[];
  readonly initializers: readonly Initializer[];
  /** Default opset 17 (ReduceMean still takes `axes` as an attribute there). */
  readonly opset?: number;
}

/** Protobuf writer: varints, length-delimited fields and nothing else. */
class Writer {
  readonly #bytes: number[] = [];

  varint(value: number | bigint): void {
    // Negative int64 values are ten-byte two's complement on the wire.
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.#bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.#bytes.push(Number(v));
  }

  intField(field: number, value: number | bigint): void {
    this.varint((field << 3) | 0);
    this.varint(value);
  }

  bytesField(field: number, bytes: Uint8Array): void {
    this.varint((field << 3) | 2);
    this.varint(bytes.length);
    for (const b of bytes) this.#bytes.push(b);
  }

  stringField(field: number, text: string): void {
    this.bytesField(field, new TextEncoder().encode(text));
  }

  messageField(field: number, build: (w: Writer) => void): void {
    const inner = new Writer();
    build(inner);
    this.bytesField(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }
}

function writeValueInfo(w: Writer, info: ValueInfo): void {
  w.stringField(1, info.name);
  w.messageField(2, (type) =>
    type.messageField(1, (tensor) => {
      tensor.intField(1, DATA_TYPE[info.type]);
      tensor.messageField(2, (shape) => {
        for (const dim of info.shape)
          shape.messageField(1, (d) =>
            typeof dim === 'number' ? d.intField(1, dim) : d.stringField(2, dim),
          );
      });
    }),
  );
}

function writeInitializer(w: Writer, init: Initializer): void {
  for (const dim of init.dims) w.intField(1, dim);
  w.intField(2, DATA_TYPE[init.data instanceof Float32Array ? 'float' : 'int64']);
  w.stringField(8, init.name);
  // raw_data is little-endian, as typed arrays are on every platform Node runs on.
  w.bytesField(9, new Uint8Array(init.data.buffer, init.data.byteOffset, init.data.byteLength));
}

function writeNode(w: Writer, node: GraphNode, index: number): void {
  for (const input of node.inputs) w.stringField(1, input);
  for (const output of node.outputs) w.stringField(2, output);
  w.stringField(3, `${node.opType.toLowerCase()}_${index}`);
  w.stringField(4, node.opType);
  for (const [name, value] of Object.entries(node.attributes ?? {})) {
    w.messageField(5, (attr) => {
      attr.stringField(1, name);
      if (typeof value === 'number') {
        attr.intField(3, value);
        attr.intField(20, 2); // AttributeType INT
      } else {
        for (const v of value) attr.intField(8, v);
        attr.intField(20, 7); // AttributeType INTS
      }
    });
  }
}

/** The serialized ModelProto, ready for InferenceSession.create or a .onnx file. */
export function encodeOnnxModel(spec: ModelSpec): Uint8Array {
  const model = new Writer();
  model.intField(1, 8); // ir_version 8: opsets up to 18
  model.stringField(2, 'proxima-test');
  model.messageField(7, (graph) => {
    spec.nodes.forEach((node, i) => graph.messageField(1, (n) => writeNode(n, node, i)));
    graph.stringField(2, 'test_graph');
    for (const init of spec.initializers) graph.messageField(5, (t) => writeInitializer(t, init));
    for (const input of spec.inputs) graph.messageField(11, (v) => writeValueInfo(v, input));
    for (const output of spec.outputs) graph.messageField(12, (v) => writeValueInfo(v, output));
  });
  model.messageField(8, (opset) => {
    opset.stringField(1, '');
    opset.intField(2, spec.opset ?? 17);
  });
  return model.finish();
}
