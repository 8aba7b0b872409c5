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
	legacy.RegisterAminoMsg(cdc, &MsgRegisterExecutable{}, "prova/infer/MsgRegisterExecutable")
	legacy.RegisterAminoMsg(cdc, &MsgRunModel{}, "prova/infer/MsgRunModel")
	legacy.RegisterAminoMsg(cdc, &MsgBond{}, "prova/infer/MsgBond")
	legacy.RegisterAminoMsg(cdc, &MsgUnbond{}, "prova/infer/MsgUnbond")
	legacy.RegisterAminoMsg(cdc, &MsgPostClaim{}, "prova/infer/MsgPostClaim")
	legacy.RegisterAminoMsg(cdc, &MsgPostClaimBatch{}, "prova/infer/MsgPostClaimBatch")
	legacy.RegisterAminoMsg(cdc, &MsgRequestInput{}, "prova/infer/MsgRequestInput")
	legacy.RegisterAminoMsg(cdc, &MsgPostInput{}, "prova/infer/MsgPostInput")
	legacy.RegisterAminoMsg(cdc, &MsgChallenge{}, "prova/infer/MsgChallenge")
	legacy.RegisterAminoMsg(cdc, &MsgChallengeReceipt{}, "prova/infer/MsgChallengeReceipt")
	legacy.RegisterAminoMsg(cdc, &MsgBisect{}, "prova/infer/MsgBisect")
	legacy.RegisterAminoMsg(cdc, &MsgResolveStep{}, "prova/infer/MsgResolveStep")
	legacy.RegisterAminoMsg(cdc, &MsgProveOutput{}, "prova/infer/MsgProveOutput")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "prova/infer/MsgUpdateParams")
}

// RegisterInterfaces registers the messages.
func RegisterInterfaces(r codectypes.InterfaceRegistry) {
	r.RegisterImplementations((*sdk.Msg)(nil),
		&MsgRegisterExecutable{}, &MsgRunModel{}, &MsgBond{}, &MsgUnbond{},
		&MsgPostClaim{}, &MsgPostClaimBatch{}, &MsgRequestInput{}, &MsgPostInput{},
		&MsgChallenge{}, &MsgChallengeReceipt{}, &MsgBisect{}, &MsgResolveStep{},
		&MsgProveOutput{}, &MsgUpdateParams{})
	msgservice.RegisterMsgServiceDesc(r, &_Msg_serviceDesc)
}
