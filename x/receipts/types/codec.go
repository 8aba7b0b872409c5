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
	legacy.RegisterAminoMsg(cdc, &MsgRegisterLog{}, "prova/receipts/MsgRegisterLog")
	legacy.RegisterAminoMsg(cdc, &MsgAnchorCheckpoint{}, "prova/receipts/MsgAnchorCheckpoint")
	legacy.RegisterAminoMsg(cdc, &MsgReportEquivocation{}, "prova/receipts/MsgReportEquivocation")
	legacy.RegisterAminoMsg(cdc, &MsgRecordInference{}, "prova/receipts/MsgRecordInference")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "prova/receipts/MsgUpdateParams")
}

// RegisterInterfaces registers the messages.
func RegisterInterfaces(r codectypes.InterfaceRegistry) {
	r.RegisterImplementations((*sdk.Msg)(nil), &MsgRegisterLog{}, &MsgAnchorCheckpoint{},
		&MsgReportEquivocation{}, &MsgRecordInference{}, &MsgUpdateParams{})
	msgservice.RegisterMsgServiceDesc(r, &_Msg_serviceDesc)
}
