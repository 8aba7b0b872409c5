package types

import (
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/legacy"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/msgservice"
)

// RegisterLegacyAminoCodec registers the amino names of the messages.
func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	legacy.RegisterAminoMsg(cdc, &MsgCreateEvalTask{}, "prova/eval/MsgCreateEvalTask")
	legacy.RegisterAminoMsg(cdc, &MsgCommitScore{}, "prova/eval/MsgCommitScore")
	legacy.RegisterAminoMsg(cdc, &MsgRevealScore{}, "prova/eval/MsgRevealScore")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "prova/eval/MsgUpdateParams")
}

// RegisterInterfaces registers the messages.
func RegisterInterfaces(r codectypes.InterfaceRegistry) {
	r.RegisterImplementations((*sdk.Msg)(nil), &MsgCreateEvalTask{}, &MsgCommitScore{}, &MsgRevealScore{}, &MsgUpdateParams{})
	msgservice.RegisterMsgServiceDesc(r, &_Msg_serviceDesc)
}
