// Package infer is the x/infer module: verifiable inference on chain.
// Owners of registered models commit them for execution (skeleton, tensor
// root, trace size, cost; small models are stored whole and run in the
// state machine by MsgRunModel); bonded providers post claims about
// inferences, singly, in Merkle batches, or as logged receipts carrying a
// trace root; challengers request inputs and dispute claims by bisection
// over the trace, settled by re-executing one step with internal/onnxint,
// and the loser is slashed (docs/INFERENCE.md §5).
package infer

import (
	"context"
	"encoding/json"
	"fmt"

	gwruntime "github.com/grpc-ecosystem/grpc-gateway/runtime"
	"github.com/spf13/cobra"

	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"
	"cosmossdk.io/core/appmodule"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/codec"
	cdctypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"

	"github.com/prova-network/prova/x/infer/client/cli"
	"github.com/prova-network/prova/x/infer/keeper"
	"github.com/prova-network/prova/x/infer/types"
)

// ConsensusVersion is bumped whenever the state layout changes.
const ConsensusVersion = 1

var (
	_ module.AppModuleBasic      = AppModule{}
	_ module.HasGenesis          = AppModule{}
	_ module.HasServices         = AppModule{}
	_ appmodule.AppModule        = AppModule{}
	_ appmodule.HasEndBlocker    = AppModule{}
	_ module.HasConsensusVersion = AppModule{}
)

// AppModule is the infer module.
type AppModule struct{ keeper keeper.Keeper }

// NewAppModule returns the module around k.
func NewAppModule(k keeper.Keeper) AppModule { return AppModule{keeper: k} }

func (AppModule) Name() string             { return types.ModuleName }
func (AppModule) IsOnePerModuleType()      {}
func (AppModule) IsAppModule()             {}
func (AppModule) ConsensusVersion() uint64 { return ConsensusVersion }

func (AppModule) RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	types.RegisterLegacyAminoCodec(cdc)
}

func (AppModule) RegisterInterfaces(r cdctypes.InterfaceRegistry) { types.RegisterInterfaces(r) }

// RegisterGRPCGatewayRoutes serves the queries over REST.
func (AppModule) RegisterGRPCGatewayRoutes(clientCtx client.Context, mux *gwruntime.ServeMux) {
	if err := types.RegisterQueryHandlerClient(context.Background(), mux, types.NewQueryClient(clientCtx)); err != nil {
		panic(err)
	}
}

// RegisterServices registers the Msg and Query services.
func (am AppModule) RegisterServices(cfg module.Configurator) {
	types.RegisterMsgServer(cfg.MsgServer(), keeper.NewMsgServer(am.keeper))
	types.RegisterQueryServer(cfg.QueryServer(), keeper.NewQueryServer(am.keeper))
}

// EndBlock settles timed-out disputes and input requests, closes claim
// windows and releases unbonded amounts.
func (am AppModule) EndBlock(ctx context.Context) error { return am.keeper.EndBlocker(ctx) }

func (AppModule) DefaultGenesis(cdc codec.JSONCodec) json.RawMessage {
	return cdc.MustMarshalJSON(types.DefaultGenesis())
}

func (AppModule) ValidateGenesis(cdc codec.JSONCodec, _ client.TxEncodingConfig, bz json.RawMessage) error {
	var gs types.GenesisState
	if err := cdc.UnmarshalJSON(bz, &gs); err != nil {
		return fmt.Errorf("decode %s genesis: %w", types.ModuleName, err)
	}
	return gs.Validate()
}

func (am AppModule) InitGenesis(ctx sdk.Context, cdc codec.JSONCodec, bz json.RawMessage) {
	var gs types.GenesisState
	cdc.MustUnmarshalJSON(bz, &gs)
	if err := am.keeper.InitGenesis(ctx, &gs); err != nil {
		panic(err)
	}
}

func (am AppModule) ExportGenesis(ctx sdk.Context, cdc codec.JSONCodec) json.RawMessage {
	gs, err := am.keeper.ExportGenesis(ctx)
	if err != nil {
		panic(err)
	}
	return cdc.MustMarshalJSON(gs)
}

// GetTxCmd returns the infer transaction commands.
func (AppModule) GetTxCmd() *cobra.Command { return cli.GetTxCmd() }

// AutoCLIOptions describes the query commands.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	id := func(field string) []*autocliv1.PositionalArgDescriptor {
		return []*autocliv1.PositionalArgDescriptor{{ProtoField: field}}
	}
	skip := func(names ...string) []*autocliv1.RpcCommandOptions {
		out := make([]*autocliv1.RpcCommandOptions, len(names))
		for i, n := range names {
			out[i] = &autocliv1.RpcCommandOptions{RpcMethod: n, Skip: true}
		}
		return out
	}
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: "prova.infer.v1.Query",
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show the infer parameters"},
				{RpcMethod: "Executable", Use: "executable MODEL_ID", Short: "Show a model's execution commitment (--include-skeleton, --include-file for the stored bytes)", PositionalArgs: id("model_id")},
				{RpcMethod: "Run", Use: "run RUN_ID", Short: "Show the result of an on-chain model run", PositionalArgs: id("run_id")},
				{RpcMethod: "Bond", Use: "bond PROVIDER", Short: "Show a provider's bond and unbonding entries", PositionalArgs: id("provider")},
				{RpcMethod: "Claim", Use: "claim CLAIM_ID", Short: "Show a claim", PositionalArgs: id("claim_id")},
				{RpcMethod: "Claims", Use: "claims", Short: "List the claims"},
				{RpcMethod: "Batch", Use: "batch BATCH_ID", Short: "Show a claim batch", PositionalArgs: id("batch_id")},
				{RpcMethod: "InputRequest", Use: "input CLAIM_ID", Short: "Show a claim's input request, with the inputs once posted", PositionalArgs: id("claim_id")},
				{RpcMethod: "Dispute", Use: "dispute DISPUTE_ID", Short: "Show a dispute with its moves", PositionalArgs: id("dispute_id")},
				{RpcMethod: "Disputes", Use: "disputes", Short: "List the disputes"},
				{RpcMethod: "DisputesByDefender", Use: "disputes-by-defender PROVIDER", Short: "List the disputes over a provider's claims (--open-only for the running ones)", PositionalArgs: id("defender")},
				{RpcMethod: "DisputesByChallenger", Use: "disputes-by-challenger CHALLENGER", Short: "List the disputes a challenger opened (--open-only for the running ones)", PositionalArgs: id("challenger")},
				{RpcMethod: "ClaimsByProvider", Use: "claims-by-provider PROVIDER", Short: "List a provider's claims", PositionalArgs: id("provider")},
				{RpcMethod: "OpenInputRequests", Use: "open-input-requests PROVIDER", Short: "List the unanswered input requests on a provider's claims", PositionalArgs: id("provider")},
				{RpcMethod: "BondByReceiptKey", Use: "bond-by-receipt-key KEY_ID", Short: "Show the bond that binds a receipt key (ed25519:<hex>)", PositionalArgs: id("key_id")},
			},
		},
		// The other messages carry files, digests and proofs, so they have
		// hand-written commands; update-params becomes a gov proposal.
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service:              "prova.infer.v1.Msg",
			EnhanceCustomCommand: true,
			RpcCommandOptions: append(skip("RegisterExecutable", "RunModel", "Bond", "Unbond", "PostClaim", "PostClaimBatch",
				"RequestInput", "PostInput", "Challenge", "ChallengeReceipt", "Bisect", "ResolveStep", "ProveOutput"),
				&autocliv1.RpcCommandOptions{
					RpcMethod: "UpdateParams", Use: "update-params-proposal PARAMS_JSON", GovProposal: true,
					Short:          "Submit a governance proposal replacing the infer parameters (give all of them)",
					PositionalArgs: id("params"),
				}),
		},
	}
}
