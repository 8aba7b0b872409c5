package main

import (
	"fmt"
	"slices"
	"strings"

	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/crypto/hd"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/app"
	"github.com/prova-network/prova/bench/loadgen"
	"github.com/prova-network/prova/internal/devnet"
)

// bankSends signs n bank sends of 1uprova from the home's accounts named
// prefix*, round-robin over senders, each to the next sender. Sequences
// are explicit, starting at each account's current one, so signing is all
// done here, before anything is submitted.
func bankSends(home, rpcURL, prefix string, n int) ([]loadgen.Tx, error) {
	net, err := devnet.Load(home)
	if err != nil {
		return nil, fmt.Errorf("read network description of %s: %w", home, err)
	}
	var keys []devnet.Key
	for _, k := range net.Nodes[0].Accounts {
		if strings.HasPrefix(k.Name, prefix) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("no accounts named %s* in %s", prefix, home)
	}
	slices.SortFunc(keys, func(a, b devnet.Key) int { return strings.Compare(a.Name, b.Name) })

	c, err := devnet.NewClient(net.ChainID, rpcURL, home)
	if err != nil {
		return nil, err
	}
	// The on-disk test keyring decrypts the key file on every lookup;
	// an in-memory copy keeps signing 20,000 transactions quick.
	mem := keyring.NewInMemory(c.Ctx.Codec)
	for _, k := range keys {
		if _, err := mem.NewAccount(k.Name, k.Mnemonic, keyring.DefaultBIP39Passphrase, sdk.FullFundraiserPath, hd.Secp256k1); err != nil {
			return nil, fmt.Errorf("import key %s: %w", k.Name, err)
		}
	}
	c.Ctx = c.Ctx.WithKeyring(mem)

	type sender struct {
		name         string
		addr         sdk.AccAddress
		accNum, seq0 uint64
	}
	senders := make([]sender, len(keys))
	for i, k := range keys {
		addr, err := sdk.AccAddressFromBech32(k.Address)
		if err != nil {
			return nil, err
		}
		accNum, seq, err := c.Account(addr)
		if err != nil {
			return nil, fmt.Errorf("look up account %s: %w", k.Name, err)
		}
		senders[i] = sender{name: k.Name, addr: addr, accNum: accNum, seq0: seq}
	}

	amount := sdk.NewCoins(sdk.NewCoin(app.BondDenom, sdkmath.OneInt()))
	txs := make([]loadgen.Tx, n)
	for i := range txs {
		lane := i % len(senders)
		s, to := senders[lane], senders[(lane+1)%len(senders)].addr
		stx, err := c.SignSend(s.name, to, amount, s.accNum, s.seq0+uint64(i/len(senders)))
		if err != nil {
			return nil, fmt.Errorf("sign send %d: %w", i, err)
		}
		txs[i] = loadgen.Tx{Lane: lane, Bytes: stx.Bytes}
	}
	return txs, nil
}
