package demo

// The verifiable-inference chapter (docs/INFERENCE.md): MNIST registered as
// two datasets (the test set with a records root over its 10,000 images),
// Prova's int8 MLP registered with its lineage and made executable, one
// inference run on chain and re-executed locally to the same trace root,
// and one test image proven to be a record of the registered test set.
// infer_dispute.go then runs a provider that lies once and a watcher that
// catches it.

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cosmos/cosmos-sdk/client/tx"

	"github.com/prova-network/prova/internal/devnet"
	"github.com/prova-network/prova/internal/inferd"
	"github.com/prova-network/prova/internal/mnist"
	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/internal/records"
	"github.com/prova-network/prova/internal/tensorio"
	"github.com/prova-network/prova/internal/txclient"
	"github.com/prova-network/prova/internal/verify/proven"
	infertypes "github.com/prova-network/prova/x/infer/types"
	regtypes "github.com/prova-network/prova/x/registry/types"
)

// InferAccounts are the funded keys of the inference chapter besides
// Accounts: the provider daemon's and the watcher's.
var InferAccounts = []string{"provider", "watcher"}

const (
	// chainImage is the MNIST test image run on chain.
	chainImage = 0
	// registerExecutableGas covers storing the ~105 KB MLP on chain (about
	// 45 gas a byte, x/infer's register-executable help) with a margin.
	registerExecutableGas = 10_000_000
	// mnistLicense is the MNIST data set's license (LeCun, Cortes and
	// Burges publish it under CC BY-SA 3.0).
	mnistLicense = "CC-BY-SA-3.0"
)

// Inference is the inference chapter's key facts, in the JSON summary.
// Amounts are in uprova.
type Inference struct {
	TrainDatasetID string `json:"train_dataset_id"`
	TestDatasetID  string `json:"test_dataset_id"`
	Records        uint64 `json:"records"`
	ModelID        string `json:"model_id"`
	TraceSize      uint64 `json:"trace_size"`
	// The run on chain and the same run with the local runtime.
	Image             int    `json:"image"`
	Label             int    `json:"label"`
	Digit             int    `json:"digit"`
	OutputDigest      string `json:"output_digest"`
	TraceRoot         string `json:"trace_root"`
	LocalDigit        int    `json:"local_digit"`
	LocalOutputDigest string `json:"local_output_digest"`
	LocalTraceRoot    string `json:"local_trace_root"`
	// The provider and the watcher.
	Served     int    `json:"served"`
	Lies       int    `json:"lies"`
	CheckedOK  int    `json:"checked_ok"`
	Challenged int    `json:"challenged"`
	DisputeID  uint64 `json:"dispute_id"`
	Outcome    string `json:"outcome"`
	// Leaf is the trace leaf the chain re-executed.
	Leaf          uint64 `json:"leaf"`
	Stake         int64  `json:"stake"`
	BondBefore    int64  `json:"bond_before"`
	BondAfter     int64  `json:"bond_after"`
	WatcherBefore int64  `json:"watcher_balance_before"`
	WatcherAfter  int64  `json:"watcher_balance_after"`
}

// mnistFiles are the chapter's artifacts on disk.
type mnistFiles struct {
	train, test string // directories holding each set's two IDX files
	records     string // the test set's records, one JSON line per image
	model       string // the int8 MLP
	set         *mnist.Set
}

// runInference runs the chapter. Without the MNIST files (the GoMNIST
// module is not in the module cache) it is skipped with a note, not failed:
// the rest of the demo needs nothing outside the binary.
func runInference(ctx context.Context, net *devnet.Network, progress io.Writer) ([]Step, *Inference, error) {
	src, err := mnist.Dir()
	if errors.Is(err, mnist.ErrNotFound) {
		fmt.Fprintf(progress, "Skipping verifiable inference: %v\n", err)
		return []Step{{Step: "inference", Detail: "skipped: the MNIST files were not found (go mod download " + mnist.ModulePath + ")"}}, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	node := net.Nodes[0]
	c, err := devnet.NewClient(net.ChainID, node.Ports.RPCURL(), node.Home)
	if err != nil {
		return nil, nil, err
	}
	files, err := writeMNISTArtifacts(src, filepath.Join(node.Home, "artifacts", "mnist"))
	if err != nil {
		return nil, nil, err
	}
	facts := &Inference{}
	steps, tree, err := registerMNIST(ctx, c, files, facts, progress)
	if err != nil {
		return steps, facts, err
	}
	prog, err := onnxint.Load(mnist.MLP())
	if err != nil {
		return steps, facts, err
	}
	more, err := runOnChain(ctx, c, prog, files, facts, progress)
	steps = append(steps, more...)
	if err != nil {
		return steps, facts, err
	}
	step, err := proveImageRecord(ctx, net, files, tree, facts.TestDatasetID, progress)
	if err != nil {
		return steps, facts, err
	}
	steps = append(steps, step)
	more, err = runDispute(ctx, net, c, prog, files.set, facts, progress)
	return append(steps, more...), facts, err
}

// writeMNISTArtifacts copies the MNIST files from src into dir (train/ and
// test/, each the two IDX files the data set is published as: their
// fingerprints are the datasets' IDs), writes the test set's records and
// the int8 MLP, and loads the test set from the copies.
func writeMNISTArtifacts(src, dir string) (mnistFiles, error) {
	f := mnistFiles{train: filepath.Join(dir, "train"), test: filepath.Join(dir, "test"),
		records: filepath.Join(dir, "mnist-test.jsonl"), model: filepath.Join(dir, "mlp-int8.onnx")}
	for d, names := range map[string][]string{
		f.train: {mnist.TrainImagesFile, mnist.TrainLabelsFile},
		f.test:  {mnist.TestImagesFile, mnist.TestLabelsFile},
	} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return f, err
		}
		for _, n := range names {
			b, err := os.ReadFile(filepath.Join(src, n))
			if err != nil {
				return f, err
			}
			if err := os.WriteFile(filepath.Join(d, n), b, 0o644); err != nil {
				return f, err
			}
		}
	}
	set, err := mnist.LoadSet(filepath.Join(f.test, mnist.TestImagesFile), filepath.Join(f.test, mnist.TestLabelsFile))
	if err != nil {
		return f, err
	}
	f.set = set
	if err := os.WriteFile(f.records, mnistRecords(set), 0o644); err != nil {
		return f, err
	}
	return f, os.WriteFile(f.model, mnist.MLP(), 0o644)
}

// mnistRecords writes one JSON line per image: its index in the set, its
// label and its 784 pixel bytes (row-major, 0 background, 255 full ink) in
// standard base64. Anyone holding the IDX files derives the same lines,
// so the same records root.
func mnistRecords(s *mnist.Set) []byte {
	var b []byte
	for i := range s.Len() {
		b = fmt.Appendf(b, "{\"index\":%d,\"label\":%d,\"image\":%q}\n", i, s.Labels[i], base64.StdEncoding.EncodeToString(s.Image(i)))
	}
	return b
}

// registerMNIST registers the two MNIST sets (the test set with its
// records root) and the MLP, trained on the one and evaluated on the other,
// as 'provad tx registry register-dataset PATH --records FILE' and
// register-model would.
func registerMNIST(ctx context.Context, c *devnet.Client, f mnistFiles, facts *Inference, progress io.Writer) ([]Step, *records.Tree, error) {
	alice, err := c.Address("alice")
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(progress, "Registering MNIST (the test set's %d images as records under one Merkle root) and Prova's int8 MLP trained on it ...\n", f.set.Len())
	tree, err := records.Build(f.records, records.Options{})
	if err != nil {
		return nil, nil, err
	}
	if facts.TrainDatasetID, err = demoID(ctx, f.train); err != nil {
		return nil, nil, err
	}
	if facts.TestDatasetID, err = demoID(ctx, f.test); err != nil {
		return nil, nil, err
	}
	facts.Records = tree.Size()
	usage := regtypes.UsageTerms{Use: regtypes.Use_USE_COMMERCIAL, Attribution: true, ShareAlike: true}
	train := regtypes.DatasetInfo{Id: facts.TrainDatasetID, Name: "mnist-train", Version: "1", License: mnistLicense, Usage: usage}
	test := regtypes.DatasetInfo{Id: facts.TestDatasetID, Name: "mnist-test", Version: "1", License: mnistLicense, Usage: usage,
		RecordRoot: tree.Root(), RecordCount: tree.Size()}
	model, err := demoModelInfo(ctx, f.model, "mnist-mlp-int8", "MIT")
	if err != nil {
		return nil, nil, err
	}
	model.ArchSummary = "784-128-10 ReLU MLP, int8 QDQ ONNX"
	model.Datasets = []regtypes.DatasetLink{
		{DatasetId: train.Id, Relation: regtypes.DatasetRelation_DATASET_RELATION_TRAINED_ON},
		{DatasetId: test.Id, Relation: regtypes.DatasetRelation_DATASET_RELATION_EVALUATED_ON},
	}
	facts.ModelID = model.Id
	_, h, err := c.SendMsgs(ctx, "alice",
		&regtypes.MsgRegisterDataset{Owner: alice.String(), Dataset: train},
		&regtypes.MsgRegisterDataset{Owner: alice.String(), Dataset: test},
		&regtypes.MsgRegisterModel{Owner: alice.String(), Model: model})
	if err != nil {
		return nil, nil, fmt.Errorf("register MNIST and the MLP: %w", err)
	}
	return []Step{
		{Step: "mnist datasets", Detail: fmt.Sprintf("test set %s (%d records, root %X…), train set %s; committed at height %d",
			shortID(test.Id), tree.Size(), tree.Root()[:6], shortID(train.Id), h)},
		{Step: "mnist model", Detail: fmt.Sprintf("%s %s (%s): trained on mnist-train, evaluated on mnist-test", model.Name, shortID(model.Id), model.ArchSummary)},
	}, tree, nil
}

// runOnChain makes the MLP executable (its whole ONNX file on chain, as
// 'provad tx infer register-executable' sends it), runs one test image on
// chain and runs the same input with the local runtime.
func runOnChain(ctx context.Context, c *devnet.Client, prog *onnxint.Model, f mnistFiles, facts *Inference, progress io.Writer) ([]Step, error) {
	alice, err := c.Address("alice")
	if err != nil {
		return nil, err
	}
	bob, err := c.Address("bob")
	if err != nil {
		return nil, err
	}
	file, err := os.ReadFile(f.model)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "Making the MLP executable on chain (its %d-byte ONNX file stored whole) ...\n", len(file))
	big, err := txclient.New(c.Ctx, txclient.WithFactory(tx.Factory{}.WithGas(registerExecutableGas)))
	if err != nil {
		return nil, err
	}
	if _, err := big.Send(ctx, "alice", &infertypes.MsgRegisterExecutable{Owner: alice.String(), ModelId: facts.ModelID, Onnx: file}); err != nil {
		return nil, fmt.Errorf("register the executable: %w", err)
	}
	q := infertypes.NewQueryClient(c.Ctx)
	er, err := q.Executable(ctx, &infertypes.QueryExecutableRequest{ModelId: facts.ModelID})
	if err != nil {
		return nil, err
	}
	e := er.Executable
	facts.TraceSize = e.TraceSize
	steps := []Step{{Step: "executable", Detail: fmt.Sprintf("%s: trace of %d leaves, %d multiply-accumulates a run, tensor root %X…, file matches the registered ID: %v; at height %d",
		shortID(e.ModelId), e.TraceSize, e.Cost, e.TensorRoot[:6], e.FileMatchesId, e.RegisteredHeight)}}

	facts.Image, facts.Label = chainImage, int(f.set.Labels[chainImage])
	x := mnist.MLPInput(f.set.Image(chainImage))
	fmt.Fprintf(progress, "Running the MLP on chain on test image %d (a %d) ...\n", chainImage, facts.Label)
	res, err := c.Client.Send(ctx, "bob", &infertypes.MsgRunModel{Sender: bob.String(), ModelId: facts.ModelID, Inputs: onnxint.Encode(x)})
	if err != nil {
		return steps, fmt.Errorf("run on chain: %w", err)
	}
	id, ok := res.Attr(infertypes.EventTypeModelRun, infertypes.AttributeKeyRunID)
	if !ok {
		return steps, fmt.Errorf("tx %s has no %s event", res.Hash, infertypes.EventTypeModelRun)
	}
	var runID uint64
	if _, err := fmt.Sscan(id, &runID); err != nil {
		return steps, fmt.Errorf("run id %q: %w", id, err)
	}
	rr, err := q.Run(ctx, &infertypes.QueryRunRequest{RunId: runID})
	if err != nil {
		return steps, err
	}
	run := rr.Run
	outs, err := decodeTensors(run.Outputs)
	if err != nil || len(outs) != 1 {
		return steps, fmt.Errorf("run %d: outputs on chain: %d tensors, %v", runID, len(outs), err)
	}
	facts.Digit = tensorio.Argmax(outs[0])
	facts.OutputDigest, facts.TraceRoot = digestText(run.OutputDigest), digestText(run.TraceRoot)
	steps = append(steps, Step{Step: "on-chain run", Detail: fmt.Sprintf("run %d at height %d: test image %d (a %d) is a %d; output %s, trace root %s",
		runID, run.Height, chainImage, facts.Label, facts.Digit, short(facts.OutputDigest), short(facts.TraceRoot))})

	fmt.Fprintln(progress, "Running the same input with the local runtime ...")
	local, err := prog.Run([]*onnxint.Tensor{x}, onnxint.Options{Trace: true})
	if err != nil {
		return steps, err
	}
	facts.LocalDigit = tensorio.Argmax(local.Outputs[0])
	facts.LocalOutputDigest, facts.LocalTraceRoot = inferd.DigestText(onnxint.Digest(local.Outputs...)), inferd.DigestText(local.Root)
	if facts.LocalTraceRoot != facts.TraceRoot || facts.LocalOutputDigest != facts.OutputDigest {
		return steps, fmt.Errorf("the local runtime gives output %s and trace root %s, the chain %s and %s",
			facts.LocalOutputDigest, facts.LocalTraceRoot, facts.OutputDigest, facts.TraceRoot)
	}
	return append(steps, Step{Step: "local run", Verified: true, Detail: fmt.Sprintf(
		"the local runtime gives digit %d, the same output digest and trace root %s (all %d leaves equal)", facts.LocalDigit, short(facts.LocalTraceRoot), len(local.Leaves))}), nil
}

// proveImageRecord proves, as 'provad dataset prove' and 'provad verify
// record' do, that the image run on chain is a record of the registered
// test set.
func proveImageRecord(ctx context.Context, net *devnet.Network, f mnistFiles, tree *records.Tree, datasetID string, progress io.Writer) (Step, error) {
	fmt.Fprintf(progress, "Proving that test image %d is a record of the registered test set ...\n", chainImage)
	record, err := records.RecordAt(f.records, chainImage, records.Options{})
	if err != nil {
		return Step{}, err
	}
	proof, err := records.NewInclusionProof(datasetID, tree, chainImage, record)
	if err != nil {
		return Step{}, err
	}
	lc, err := lightClient(ctx, net)
	if err != nil {
		return Step{}, err
	}
	defer lc.Close()
	pr, err := proven.NewReader(lc.Reader(true), 0).DatasetRecord(ctx, proof)
	if err != nil {
		return Step{}, fmt.Errorf("membership proof of test image %d: %w", chainImage, err)
	}
	return Step{Step: "image membership", Verified: true, Detail: fmt.Sprintf(
		"test image %d is record %d of mnist-test (%d of %d): %d sibling hashes against the root proven at height %d",
		chainImage, chainImage, chainImage+1, tree.Size(), len(proof.Siblings), pr.Proof.Height)}, nil
}

// decodeTensors splits concatenated canonical encodings.
func decodeTensors(b []byte) ([]*onnxint.Tensor, error) {
	var out []*onnxint.Tensor
	for len(b) > 0 {
		t, n, err := onnxint.Decode(b)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		b = b[n:]
	}
	return out, nil
}

// digestText writes a SHA-256 digest read from the chain as
// "sha256:<hex>" (docs/INFERENCE.md §1).
func digestText(b []byte) string { return "sha256:" + hex.EncodeToString(b) }
