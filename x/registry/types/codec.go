package types

import (
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/legacy"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/msgservice"
)

// RegisterLegacyAminoCodec registers the messages for amino JSON signing.
func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	legacy.RegisterAminoMsg(cdc, &MsgRegisterDataset{}, "prova/registry/MsgRegisterDataset")
	legacy.RegisterAminoMsg(cdc, &MsgRegisterModel{}, "prova/registry/MsgRegisterModel")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateMetadata{}, "prova/registry/MsgUpdateMetadata")
	legacy.RegisterAminoMsg(cdc, &MsgTransferOwnership{}, "prova/registry/MsgTransferOwnership")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "prova/registry/MsgUpdateParams")
	legacy.RegisterAminoMsg(cdc, &MsgSetModelStatus{}, "prova/registry/MsgSetModelStatus")
}

// RegisterInterfaces registers the messages with the interface registry.
func RegisterInterfaces(registry codectypes.InterfaceRegistry) {
	registry.RegisterImplementations((*sdk.Msg)(nil),
		&MsgRegisterDataset{}, &MsgRegisterModel{}, &MsgUpdateMetadata{},
		&MsgTransferOwnership{}, &MsgUpdateParams{}, &MsgSetModelStatus{},
	)
	msgservice.RegisterMsgServiceDesc(registry, &_Msg_serviceDesc)
}
