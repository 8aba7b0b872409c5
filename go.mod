module github.com/prova-network/prova

go 1.26.5

require (
	github.com/cometbft/cometbft v0.40.0 // indirect
	github.com/cosmos/cosmos-sdk v0.55.0 // indirect
)
