package keeper_test

import (
	"testing"

	"github.com/prova-network/prova/x/receipts/types"
)

// TestInferenceEventNamesModelID: the inference event names the model under
// the same attribute key as every other Prova event (model_id).
func TestInferenceEventNamesModelID(t *testing.T) {
	f := newFixture(t)
	pub, priv := providerKey("provider")
	env := signedReceipt(t, priv, model(1), 1)
	if _, err := f.msgs.RecordInference(f.ctx, &types.MsgRecordInference{Provider: addr("alice"), Envelope: env.Canonical(), ProviderKey: pub}); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ev := range f.ctx.EventManager().Events() {
		if ev.Type != "prova.receipts.inference_recorded" {
			continue
		}
		for _, a := range ev.Attributes {
			if a.Key == "model_id" && a.Value == model(1) {
				found = true
			}
		}
	}
	if !found {
		t.Fatalf("no inference_recorded event with model_id=%s in %v", model(1), f.ctx.EventManager().Events())
	}
}
