package inferd

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// Event is one thing a daemon did that people and scripts wait for:
// printed on stdout as one line, its Text (e.g. "challenged claim 4:
// dispute 2", "dispute 2 won: …") or, in JSON, {"event": Name, "text":
// Text, …Fields}. The logs (stderr) say more; events are the stable part.
type Event struct {
	Name   string
	Text   string
	Fields map[string]any
}

// Event names.
const (
	EventServing      = "serving"
	EventBonded       = "bonded"
	EventClaimed      = "claimed"
	EventReceipted    = "receipt_logged"
	EventInputPosted  = "input_posted"
	EventMove         = "move"
	EventDisputeWon   = "dispute_won"
	EventDisputeLost  = "dispute_lost"
	EventWatching     = "watching"
	EventClaimOK      = "claim_ok"
	EventInputAsked   = "input_requested"
	EventChallenged   = "challenged"
	EventReceiptOK    = "receipt_ok"
	EventUncheckable  = "uncheckable"
	EventInputMissing = "input_expired"
)

func event(name string, fields map[string]any, format string, args ...any) Event {
	return Event{Name: name, Text: fmt.Sprintf(format, args...), Fields: fields}
}

// LineReporter returns a reporter writing one line per event to w, as
// text or (asJSON) as a JSON object; it is safe for concurrent use.
func LineReporter(w io.Writer, asJSON bool) func(Event) {
	var mu sync.Mutex
	return func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		if !asJSON {
			fmt.Fprintln(w, e.Text)
			return
		}
		m := make(map[string]any, len(e.Fields)+2)
		for k, v := range e.Fields { // json.Marshal sorts the keys
			m[k] = v
		}
		m["event"], m["text"] = e.Name, e.Text
		b, err := json.Marshal(m)
		if err != nil {
			b, _ = json.Marshal(map[string]string{"event": e.Name, "text": e.Text})
		}
		fmt.Fprintf(w, "%s\n", b)
	}
}
