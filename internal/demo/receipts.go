package demo

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/prova-network/prova/internal/devnet"
	"github.com/prova-network/prova/internal/phash/phashtest"
	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/internal/receiptlog"
	"github.com/prova-network/prova/internal/verify/proven"
	contenttypes "github.com/prova-network/prova/x/content/types"
	receiptscli "github.com/prova-network/prova/x/receipts/client/cli"
)

// demoInferences is how many chat inferences the demo's provider serves in
// one signed batch.
const demoInferences = 100

// demoInfer is the demo's stand-in for running the fine-tune: a
// deterministic function of the model and the prompt.
func demoInfer(model, prompt string) []byte {
	sum := sha256.Sum256([]byte(model + "\x00" + prompt))
	return fmt.Appendf(nil, "answer %x", sum[:8])
}

func sha256ID(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// runDemoReceipts serves inferences from the fine-tune, logs a signed
// receipt for each in the node's receipt log (a batch of chat answers
// signed once, and a single receipt for an image the model "generated"),
// waits for the log to anchor a checkpoint on chain, and verifies the
// image's receipt with proofs. It returns the image receipt's reference for
// the content step.
func runReceipts(ctx context.Context, net *devnet.Network, progress io.Writer) ([]Step, *contenttypes.ReceiptRef, error) {
	node := net.Nodes[0]
	model, err := demoID(ctx, filepath.Join(node.Home, "artifacts", "chat"))
	if err != nil {
		return nil, nil, err
	}
	image, _, err := phashtest.WriteSampleImages(filepath.Join(node.Home, "artifacts", "content"), imageSeed)
	if err != nil {
		return nil, nil, err
	}
	imageBytes, err := os.ReadFile(image)
	if err != nil {
		return nil, nil, err
	}
	seed := sha256.Sum256([]byte("prova demo provider"))
	priv := ed25519.NewKeyFromSeed(seed[:])
	pub := priv.Public().(ed25519.PublicKey)
	now := receipt.FormatTime(time.Now())
	stmt := func(i int, input string, output []byte) *receipt.Statement {
		p := receipt.Predicate{Model: model, InputDigest: sha256ID([]byte(input)), OutputDigest: sha256ID(output),
			Tokens:    receipt.Tokens{Input: uint64(len(input) / 4), Output: uint64(len(output) / 4)},
			RequestID: fmt.Sprintf("demo-%03d", i), Time: now}
		p.Provider.ID, p.Provider.KeyID = "demo-provider", receipt.KeyID(pub)
		return receipt.NewStatement(p)
	}

	fmt.Fprintf(progress, "Serving %d chat inferences from the fine-tune and logging their receipts (one signed batch) ...\n", demoInferences)
	sts := make([]*receipt.Statement, demoInferences)
	for i := range sts {
		prompt := fmt.Sprintf("prompt %d: where does this model come from?", i)
		sts[i] = stmt(i, prompt, demoInfer(model, prompt))
	}
	batch, err := receipt.SignBatch(sts, priv)
	if err != nil {
		return nil, nil, err
	}
	log := receiptlog.NewClient(node.Ports.ReceiptsURL(), nil)
	res, err := log.SubmitBatch(ctx, pub, batch)
	if err != nil {
		return nil, nil, fmt.Errorf("log the batch: %w", err)
	}
	fmt.Fprintln(progress, "Generating an image with the fine-tune and logging its receipt ...")
	env, err := receipt.Sign(stmt(demoInferences, "draw a lighthouse at dusk", imageBytes), priv)
	if err != nil {
		return nil, nil, err
	}
	single, err := log.Submit(ctx, []ed25519.PublicKey{pub}, env)
	if err != nil {
		return nil, nil, fmt.Errorf("log the image receipt: %w", err)
	}
	entry := single.Entries[0]
	steps := []Step{{Step: "receipts", Detail: fmt.Sprintf("%d inference receipts in log %s (%d in one signed batch), image receipt at index %d",
		len(res.Entries)+1, res.LogID, len(res.Entries), entry.Index)}}

	fmt.Fprintln(progress, "Waiting for the log to anchor a checkpoint on chain ...")
	c, err := devnet.NewClient(net.ChainID, node.Ports.RPCURL(), node.Home)
	if err != nil {
		return steps, nil, err
	}
	size, err := receiptscli.WaitAnchored(ctx, c.Ctx, res.LogID, entry.Index, time.Minute)
	if err != nil {
		return steps, nil, err
	}
	bundle, err := log.Proof(ctx, entry.Index, size)
	if err != nil {
		return steps, nil, err
	}
	raw, _ := json.MarshalIndent(bundle, "", "  ")
	bundlePath := filepath.Join(node.Home, "artifacts", "image-receipt.json")
	if err := os.WriteFile(bundlePath, append(raw, '\n'), 0o644); err != nil {
		return steps, nil, err
	}

	fmt.Fprintln(progress, "Verifying the image receipt against a light-client-verified header ...")
	lc, err := lightClient(ctx, net)
	if err != nil {
		return steps, nil, err
	}
	defer lc.Close()
	rep, err := proven.NewReader(lc.Reader(true), 0).Receipt(ctx, bundle, nil)
	if err != nil {
		return steps, nil, fmt.Errorf("verify the image receipt: %w", err)
	}
	steps = append(steps, Step{Step: "receipt verified", Verified: true,
		Detail: fmt.Sprintf("provider signature, inclusion in checkpoint %d, log key and anchored root proven at height %d (%s)",
			rep.TreeSize, rep.Proof.Height, bundlePath)})
	return steps, &contenttypes.ReceiptRef{LogId: res.LogID, Index: entry.Index}, nil
}
