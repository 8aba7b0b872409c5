// Package receipts is the x/receipts module: inference-receipt transparency
// logs register with a bond, anchor their signed checkpoints on chain (each
// one checked by signature and by a consistency proof from the last, so a
// log is append-only by consensus), and are slashed and frozen on evidence
// of equivocation. It also keeps the one-transaction-per-receipt baseline.
package receipts

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

	"github.com/prova-network/prova/x/receipts/client/cli"
	"github.com/prova-network/prova/x/receipts/keeper"
	"github.com/prova-network/prova/x/receipts/types"
)

// ConsensusVersion is bumped whenever the state layout changes.
const ConsensusVersion = 1

var (
	_ module.AppModuleBasic = AppModule{}
	_ module.HasGenesis     = AppModule{}
	_ module.HasServices    = AppModule{}
	_ appmodule.AppModule   = AppModule{}
)

// AppModule is the receipts module.
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

// GetTxCmd returns the receipts transaction commands.
func (AppModule) GetTxCmd() *cobra.Command { return cli.GetTxCmd() }

// AutoCLIOptions describes the query commands.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: "prova.receipts.v1.Query",
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Log", Use: "log LOG_ID", Short: "Show a registered receipt log", PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "log_id"}}},
				{RpcMethod: "Logs", Use: "logs", Short: "List the registered receipt logs"},
				{RpcMethod: "LatestCheckpoint", Use: "checkpoint LOG_ID", Short: "Show a log's latest anchored checkpoint", PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "log_id"}}},
				{RpcMethod: "CheckpointAtHeight", Use: "checkpoint-at LOG_ID HEIGHT", Short: "Show the last checkpoint of a log anchored at or below a height",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "log_id"}, {ProtoField: "height"}}},
				{RpcMethod: "Inference", Use: "inference RECEIPT_ID", Short: "Show an inference recorded one per transaction", PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "receipt_id"}}},
				{RpcMethod: "Params", Use: "params", Short: "Show the receipts parameters"},
			},
		},
		// The other messages carry files and keys, so they have hand-written
		// commands; update-params becomes a gov proposal.
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service:              "prova.receipts.v1.Msg",
			EnhanceCustomCommand: true,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "RegisterLog", Skip: true},
				{RpcMethod: "AnchorCheckpoint", Skip: true},
				{RpcMethod: "ReportEquivocation", Skip: true},
				{RpcMethod: "RecordInference", Skip: true},
				{
					RpcMethod: "UpdateParams", Use: "update-params-proposal PARAMS_JSON", GovProposal: true,
					Short:          "Submit a governance proposal replacing the receipts parameters (give all of them)",
					Example:        `  provad tx receipts update-params-proposal '{"min_bond":{"denom":"uprova","amount":"10000000"},"equivocation_slash_fraction":"0.5","reporter_reward_fraction":"0.5","max_proof_hashes":64}' --deposit 10000000uprova --from alice`,
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "params"}},
				},
			},
		},
	}
}
