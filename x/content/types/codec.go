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
	legacy.RegisterAminoMsg(cdc, &MsgRegisterContent{}, "prova/content/MsgRegisterContent")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "prova/content/MsgUpdateParams")
}

// RegisterInterfaces registers the messages.
func RegisterInterfaces(r codectypes.InterfaceRegistry) {
	r.RegisterImplementations((*sdk.Msg)(nil), &MsgRegisterContent{}, &MsgUpdateParams{})
	msgservice.RegisterMsgServiceDesc(r, &_Msg_serviceDesc)
}
