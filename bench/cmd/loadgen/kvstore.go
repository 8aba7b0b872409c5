package main

import (
	"fmt"
	"strings"

	"github.com/prova-network/prova/bench/loadgen"
)

// kvTxs builds n distinct key=value transactions for CometBFT's kvstore,
// each padded to size bytes (a bank send is about 250), spread over lanes
// the way bank sends are spread over sender accounts.
func kvTxs(n, lanes, size int) []loadgen.Tx {
	txs := make([]loadgen.Tx, n)
	for i := range txs {
		s := fmt.Sprintf("k%d=v%d-", i, i)
		if pad := size - len(s); pad > 0 {
			s += strings.Repeat("x", pad)
		}
		txs[i] = loadgen.Tx{Lane: i % lanes, Bytes: []byte(s)}
	}
	return txs
}
