// Package onnxint is Prova's deterministic, pure-integer executor for
// integer-quantized ONNX models. docs/INFERENCE.md is its contract: the
// tensor encoding (§1), the exact integer semantics (§2), steps and the
// trace (§3) and the model commitment (§4).
//
// # Operators
//
// QOperator form, default ONNX domain (opset 10 or later):
//
//	QLinearMatMul     a, b int8/uint8; a and y per tensor, b per tensor or per column
//	QLinearConv       1-D or 2-D, any group; w per tensor or per output channel; int32 bias
//	MatMulInteger     int32 result; a_zero_point per tensor, b_zero_point per tensor or per column
//	ConvInteger       int32 result; w_zero_point per tensor or per output channel
//	QuantizeLinear    FLOAT or INT32 to INT8/UINT8, per tensor or per axis
//	DequantizeLinear  INT8/UINT8/INT32 to FLOAT, per tensor or per axis
//
// QDQ form: DequantizeLinear inputs around a float op, optionally followed
// by Relu or Clip, then a QuantizeLinear, are lowered at load time into one
// integer step ("QDQ MatMul", "QDQ Gemm+Relu", …):
//
//	MatMul, Gemm (transA/transB, alpha = beta = 1, bias), Conv (bias),
//	Add, AveragePool                                 the op, then requantization
//	Reshape, Flatten, Transpose, MaxPool             the move on the integers, then requantization
//	(nothing)                                        DequantizeLinear → [Relu|Clip] → QuantizeLinear
//
// On integer tensors: Relu, Clip, MaxPool, AveragePool (8-bit), Add (with
// numpy broadcasting, wrapping in the type like numpy), and the data
// movements Reshape (allowzero, −1, 0), Flatten and Transpose (these three
// on any type, FLOAT included: they compute nothing).
//
// Conv and pools take pads, strides, dilations, kernel_shape and auto_pad
// (NOTSET, VALID, SAME_UPPER, SAME_LOWER); pools take ceil_mode, and
// AveragePool count_include_pad. Any other op, any other domain, an
// unsupported attribute or attribute value, blocked quantization, and any
// float computation outside a lowered pattern (other than QuantizeLinear
// and DequantizeLinear themselves) is refused at load time with an error
// naming the node and the op, e.g. `node "conv_3": unsupported op Softmax`.
// Unnamed nodes are called "op_k", k their index in the graph.
//
// Scales, zero points, Clip bounds and Reshape shapes must be
// initializers; shapes are static (a graph input with a symbolic dim is
// refused). Per-axis parameters of activations in fused patterns are
// refused (weights may be per channel). Scales must be positive and
// finite.
//
// # Exact arithmetic
//
// Nothing on the execution path uses floating point. FLOAT tensors are held
// as IEEE-754 bit patterns (Tensor.F); a float32 is decoded into the exact
// dyadic rational ±m·2^e (m < 2^24). Each requantization
// y = saturate(act(round(v / s_y)) + z_y) of a real value v = Σ x_i·S_i (an
// accumulator times s_a·s_b, a bias times its scale, or an input times its
// scale) is reduced at load time to integers with v / s_y =
// Σ x_i·P_i / (D·2^K) exactly; at run time the numerator is formed in 128
// bits and divided with rounding half to even. A ratio whose integers do
// not fit (P_i or D beyond 2^62, K beyond 120) is refused with an error.
// For speed, a fixed-point form ⌊x·M/2^s⌋ (M = ⌊P·2^s/(D·2^K)⌋) decides
// the rounding whenever its error bound proves it (everything but inputs
// within 2^−(s−25) of a tie, s ≥ 36), and the exact division decides the
// rest; QuantizeLinear of FLOAT with one scale uses a table of the 255
// thresholds between output levels, found at load time with the exact
// quantizer. Both give exactly the exact results.
// Activations clamp in the quantized domain: rounding is monotone, so
// round(clip(v, a, b)/s) = clip(round(v/s), round(a/s), round(b/s)).
//
// QuantizeLinear from FLOAT divides exactly (x·2^(e_x−e_s)·/m_s) and rounds
// half to even; ±inf saturate and NaN gives the type's lowest value (what
// the reference implementation's conversion of NaN gives on x86).
// DequantizeLinear computes the integer (x−z)·m_s and rounds it times
// 2^e_s once to the nearest float32, ties to even, with gradual underflow
// and overflow to infinity. For 8-bit x this is bit for bit ONNX's
// definition as IEEE float32 multiplication computes it ((x−z) is exact in
// float32, and an IEEE product is the exact product rounded once); for
// INT32 x beyond 2^24 it is the exact value rounded once, where an
// implementation that first converts x−z to float32 rounds twice.
//
// This is ONNX's definition: the operator specifications define the result
// in real arithmetic with rounding half to even. Implementations that
// multiply by a float32 multiplier, or divide in float32, differ from it by
// one quantum in rare near-ties. MatMulInteger and ConvInteger give the
// exact sum modulo 2^32 (what 32-bit accumulation gives; ONNX allows
// accumulation to overflow only in 32 bits). AveragePool on integers is
// the exact mean rounded half to even (ONNX defines AveragePool for floats
// only; this is the float op's exact result, rounded once).
//
// # Steps and chunks
//
// Each lowered node is one step, unless its cost exceeds MaxStepCost. The
// cost is multiply-accumulates for MatMul-like and Conv-like steps, and
// output elements for all other ops. Such a node is split into chunks
// along axis 1 of its output (output columns of a rank-2 matrix product,
// output channels of a convolution or pool, dim 1 of anything else); ranks
// below 2 are never split. With c the extent of axis 1 and unit the cost of
// one index along it (cost = unit·c), u = ⌊MaxStepCost/unit⌋ indices fit in
// a chunk, and the node has k = ⌈c/u⌉ chunks (k = c when u = 0, k = 1 when
// cost ≤ MaxStepCost or c ≤ 1); chunk i covers [⌊i·c/k⌋, ⌊(i+1)·c/k⌋).
// This rule is consensus. A chunk computes only its slice, so re-executing
// it (ExecStep) costs only that chunk; its state is the slice. A step reads
// every chunk of the nodes whose outputs it uses (leaf 0 for graph inputs).
//
// # The trace, skeletons and tensor roots
//
// Run with Options.Trace returns the leaves of docs/INFERENCE.md §3 (input
// digest, one leaf per step state, output digest), their RFC 6962 root and
// every leaf's tensors. ExecStep re-executes one leaf from the states it
// reads and the weights it uses, checking their shapes, types and each
// weight against its tensor-root leaf. TraceRoot, PrefixRoot,
// InclusionProof, VerifyInclusion, CompactRange, RangeRoot and AppendRoot
// are the RFC 6962 helpers over 32-byte leaves for bisection.
//
// Skeleton writes the model without initializer data; each initializer
// keeps its name, type and dims, and carries its tensor-root leaf in its
// doc_string ("prova-leaf:sha256:<hex>"), and the graph's value_info lists
// every computed value's static shape (a Reshape's target shape is
// initializer data). LoadSkeleton rebuilds the same program, tensor root
// and trace size; Run on it fails with ErrNoWeights.
//
// # Performance
//
// Matrix products and convolutions multiply with an AVX2 kernel on amd64
// when the CPU has it (int16 VPMADDWD: exact products and int32 sums,
// bounded by blocking K), and otherwise with portable Go that packs three
// 21-bit lanes into each 64-bit multiply; the purego build tag forces the
// portable kernel. Both compute the same integers. A plain Run reuses an
// arena of node outputs; a traced Run keeps every state (node outputs
// from one block per run, chunks of batch-1 outputs as views) and hashes
// them inline.
//
// Measured on this project's shared 2-core AMD EPYC VM (load 5-9, so each
// figure is the best of repeated runs), against onnxruntime 1.30 through
// its C API with one thread and all graph optimizations, on the models of
// bench_test.go: the MNIST-shaped MLP 784-128-10 runs in 4.5-6 µs here and
// 5.9 µs in onnxruntime (≈1×); the small CNN (Conv 1→8 5×5, MaxPool,
// Conv 8→16 5×5, MaxPool, Gemm) in 63-89 µs here and 40-51 µs in
// onnxruntime (≈0.5-0.6×). Tracing adds SHA-256 over every state and the
// RFC 6962 root: 1.45-1.5× for the CNN (16 KB of states: 17 µs of digests
// and 6 µs of root on this VM) and 2.3× for the MLP, whose 3 KB FLOAT
// input digest alone costs half a plain run.
//
// # Limits
//
// Load refuses malformed protobuf, files over Limits.MaxBytes, graphs over
// Limits.MaxNodes nodes (and 4× as many initializers or declared values),
// tensors over Limits.MaxElements elements (all element counts are
// computed overflow-safely), computed values totalling over 4×MaxElements,
// external data, nodes reading names not defined before them (unknown
// names and cycles: ONNX graphs are topologically sorted), names defined
// twice, and declared output or value_info types and shapes that differ
// from the computed ones. Run refuses inputs of the wrong number, type or
// shape, and elements outside their type's range.
//
// The tests pass on 32-bit platforms too; on this project's machines,
// where the kernel cannot run 386 binaries, run them as
//
//	GODEBUG=asyncpreemptoff=1 GOARCH=386 go test -exec qemu-i386 ./internal/onnxint/
//
// (qemu-user from Debian; without asyncpreemptoff its 386 emulation drops
// Go's preemption signals on new threads and the runtime crashes).
package onnxint
