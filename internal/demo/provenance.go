package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/prova-network/prova/internal/bom"
	"github.com/prova-network/prova/internal/devnet"
	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/internal/formats"
	"github.com/prova-network/prova/internal/formats/safetensors/safetensorstest"
	"github.com/prova-network/prova/internal/records"
	"github.com/prova-network/prova/internal/verify/proven"
	regtypes "github.com/prova-network/prova/x/registry/types"
)

// demoRecords is how many records the demo dataset has.
const demoRecords = 64

// runDemoProvenance registers a generated dataset, a base model and a
// fine-tune, then verifies the fine-tune's lineage, shows that a modified
// copy is not registered, proves one record's membership, and writes a BOM.
func runProvenance(ctx context.Context, net *devnet.Network, progress io.Writer) ([]Step, error) {
	node := net.Nodes[0]
	c, err := devnet.NewClient(net.ChainID, node.Ports.RPCURL(), node.Home)
	if err != nil {
		return nil, err
	}
	alice, err := c.Address("alice")
	if err != nil {
		return nil, err
	}
	bob, err := c.Address("bob")
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(node.Home, "artifacts")
	data, base, ft, err := writeDemoArtifacts(dir)
	if err != nil {
		return nil, err
	}

	fmt.Fprintln(progress, "Registering a dataset with 64 records, a base model and a fine-tune ...")
	tree, err := records.Build(data, records.Options{})
	if err != nil {
		return nil, err
	}
	dataID, err := demoID(ctx, data)
	if err != nil {
		return nil, err
	}
	dsMsg := &regtypes.MsgRegisterDataset{Owner: alice.String(), Dataset: regtypes.DatasetInfo{
		Id: dataID, Name: "prova-demo-corpus", Version: "1", License: "CC-BY-4.0",
		Usage:        regtypes.UsageTerms{Use: regtypes.Use_USE_COMMERCIAL, Attribution: true},
		Contributors: []regtypes.Contributor{{Address: alice.String(), ShareBps: 7000}, {Address: bob.String(), ShareBps: 3000}},
		RecordRoot:   tree.Root(), RecordCount: tree.Size(),
	}}
	baseInfo, err := demoModelInfo(ctx, base, "prova-demo-base", "MIT")
	if err != nil {
		return nil, err
	}
	ftInfo, err := demoModelInfo(ctx, ft, "prova-demo-chat", "Apache-2.0")
	if err != nil {
		return nil, err
	}
	ftInfo.Parents = []regtypes.ParentLink{{ModelId: baseInfo.Id, Relation: regtypes.ParentRelation_PARENT_RELATION_FINETUNE}}
	ftInfo.Datasets = []regtypes.DatasetLink{{DatasetId: dataID, Relation: regtypes.DatasetRelation_DATASET_RELATION_FINE_TUNED_ON}}
	ftInfo.Contributors = []regtypes.Contributor{{Address: bob.String(), ShareBps: 10_000}}

	if _, _, err := c.SendMsgs(ctx, "alice", dsMsg, &regtypes.MsgRegisterModel{Owner: alice.String(), Model: baseInfo}); err != nil {
		return nil, fmt.Errorf("register dataset and base model: %w", err)
	}
	_, h, err := c.SendMsgs(ctx, "bob", &regtypes.MsgRegisterModel{Owner: bob.String(), Model: ftInfo})
	if err != nil {
		return nil, fmt.Errorf("register fine-tune: %w", err)
	}
	steps := []Step{{Step: "register", Detail: fmt.Sprintf("dataset %s (64 records), base model, fine-tune %s; committed by height %d", shortID(dataID), shortID(ftInfo.Id), h)}}

	evalStep, err := runEvaluation(ctx, c, net, ftInfo.Id)
	if err != nil {
		return steps, err
	}
	steps = append(steps, evalStep)

	fmt.Fprintln(progress, "Verifying the fine-tune's provenance from its files ...")
	lc, err := lightClient(ctx, net)
	if err != nil {
		return steps, err
	}
	defer lc.Close()
	id, err := demoID(ctx, ft)
	if err != nil {
		return steps, err
	}
	pv, err := proven.NewReader(lc.Reader(true), 0).Provenance(ctx, id)
	if err != nil {
		return steps, fmt.Errorf("verify fine-tune: %w", err)
	}
	if len(pv.Ancestors) != 1 || len(pv.Datasets) != 1 || pv.Ancestors[0].ID != baseInfo.Id || pv.Evaluation == nil {
		return steps, fmt.Errorf("verified provenance is incomplete: %d ancestors, %d datasets, evaluation %v", len(pv.Ancestors), len(pv.Datasets), pv.Evaluation != nil)
	}
	steps = append(steps, Step{Step: "verify model", Verified: true, Detail: fmt.Sprintf(
		"%s: finetune of %s, fine-tuned on %s (%s), %s %d/%d; %d records proven at height %d",
		ftInfo.Name, baseInfo.Name, dsMsg.Dataset.Name, dsMsg.Dataset.License,
		pv.Evaluation.Task.Metric, pv.Evaluation.Task.Result, pv.Evaluation.Task.ScoreMax, pv.Count(), pv.Height)})

	modified := filepath.Join(dir, "chat-modified")
	if err := copyWithFlippedByte(filepath.Join(ft, "model.safetensors"), filepath.Join(modified, "model.safetensors")); err != nil {
		return steps, err
	}
	modID, err := demoID(ctx, modified)
	if err != nil {
		return steps, err
	}
	if _, err := proven.NewReader(lc.Reader(true), 0).Provenance(ctx, modID); !errors.Is(err, proven.ErrNotRegistered) {
		return steps, fmt.Errorf("a one-byte-modified copy was not reported as unregistered: %v", err)
	}
	steps = append(steps, Step{Step: "modified copy", Verified: true, Detail: "one byte changed: not registered (absence proven)"})

	record, err := records.RecordAt(data, 7, records.Options{})
	if err != nil {
		return steps, err
	}
	proof, err := records.NewInclusionProof(dataID, tree, 7, record)
	if err != nil {
		return steps, err
	}
	var buf bytes.Buffer
	if err := proof.Encode(&buf); err != nil {
		return steps, err
	}
	decoded, err := records.Decode(&buf)
	if err != nil {
		return steps, err
	}
	if _, err := proven.NewReader(lc.Reader(true), 0).DatasetRecord(ctx, decoded); err != nil {
		return steps, fmt.Errorf("membership proof: %w", err)
	}
	steps = append(steps, Step{Step: "record membership", Verified: true, Detail: fmt.Sprintf(
		"record 7 %s is in the dataset: %d sibling hashes against the proven root", record, len(decoded.Siblings))})

	lineage, err := proven.BOMLineage(pv)
	if err != nil {
		return steps, err
	}
	bomPath := filepath.Join(node.Home, "prova-demo-chat.cdx.json")
	f, err := os.Create(bomPath)
	if err != nil {
		return steps, err
	}
	err = bom.Export(lineage, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return steps, err
	}
	steps = append(steps, Step{Step: "AI-BOM", Detail: "CycloneDX 1.6 ML-BOM written to " + bomPath})
	return steps, nil
}

// writeDemoArtifacts generates a JSONL dataset and two small safetensors
// models that share an architecture (a fine-tune keeps its base's shapes).
func writeDemoArtifacts(dir string) (data, base, ft string, err error) {
	data = filepath.Join(dir, "corpus.jsonl")
	base = filepath.Join(dir, "base")
	ft = filepath.Join(dir, "chat")
	for _, d := range []string{base, ft} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", "", "", err
		}
	}
	var lines bytes.Buffer
	for i := range demoRecords {
		fmt.Fprintf(&lines, "{\"id\":%d,\"prompt\":\"question %d\",\"answer\":\"answer %d\"}\n", i, i, i*i)
	}
	if err := os.WriteFile(data, lines.Bytes(), 0o644); err != nil {
		return "", "", "", err
	}
	tensors := []safetensorstest.Tensor{
		{Name: "embed.weight", DType: "BF16", Shape: []uint64{256, 32}},
		{Name: "layers.0.attn.weight", DType: "BF16", Shape: []uint64{32, 32}},
		{Name: "layers.0.mlp.weight", DType: "BF16", Shape: []uint64{32, 128}},
		{Name: "head.weight", DType: "F32", Shape: []uint64{32, 256}},
	}
	for _, m := range []struct{ dir, variant string }{{base, "base"}, {ft, "chat"}} {
		if err := safetensorstest.Write(filepath.Join(m.dir, "model.safetensors"), tensors, map[string]string{"variant": m.variant}); err != nil {
			return "", "", "", err
		}
	}
	return data, base, ft, nil
}

func demoID(ctx context.Context, path string) (string, error) {
	m, err := fingerprint.Fingerprint(ctx, path, fingerprint.Options{})
	if err != nil {
		return "", err
	}
	return m.Digest.String(), nil
}

func demoModelInfo(ctx context.Context, path, name, license string) (regtypes.ModelInfo, error) {
	id, err := demoID(ctx, path)
	if err != nil {
		return regtypes.ModelInfo{}, err
	}
	s, err := formats.Inspect(path)
	if err != nil {
		return regtypes.ModelInfo{}, err
	}
	return regtypes.ModelInfo{
		Id: id, Name: name, Version: "1", Format: string(s.Format), License: license,
		ArchFingerprint: s.ArchitectureDigest.String(), ParameterCount: s.Parameters,
		ArchSummary: fmt.Sprintf("%d tensors", s.TensorCount),
	}, nil
}

func copyWithFlippedByte(src, dst string) error {
	bz, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	bz[len(bz)-1] ^= 0x01
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, bz, 0o644)
}
