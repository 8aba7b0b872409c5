package app

import (
	"fmt"
	"runtime/debug"

	"cosmossdk.io/core/address"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/baseapp"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"
)

// FeeShapeDecorator refuses a transaction whose fee the SDK's decorators
// cannot read safely, before any of them reads it. The SDK's tx wrapper
// dereferences auth_info.fee without a check (GetGas on a transaction with
// no fee panics in SetUpContextDecorator) and panics on a fee payer or
// granter that is not an address (DeductFeeDecorator); a recovered panic
// used to reach the client with the node's Go stack trace. This decorator
// turns those cases into registered errors. It checks shape only: whether
// the fee is enough is still for the SDK's fee decorators to decide.
type FeeShapeDecorator struct {
	addrs address.Codec
}

// NewFeeShapeDecorator returns the decorator; addrs decodes fee payer and
// granter addresses.
func NewFeeShapeDecorator(addrs address.Codec) FeeShapeDecorator {
	return FeeShapeDecorator{addrs: addrs}
}

// protoTx is the SDK's decoded transaction, whose fields can be checked
// before its accessors are called.
type protoTx interface {
	GetProtoTx() *txtypes.Tx
}

// AnteHandle implements sdk.AnteDecorator.
func (d FeeShapeDecorator) AnteHandle(ctx sdk.Context, tx sdk.Tx, simulate bool, next sdk.AnteHandler) (sdk.Context, error) {
	if err := d.check(tx); err != nil {
		return ctx, err
	}
	return next(ctx, tx, simulate)
}

func (d FeeShapeDecorator) check(tx sdk.Tx) error {
	ptx, ok := tx.(protoTx)
	if !ok {
		return nil // not the SDK's tx type: its own accessors apply
	}
	t := ptx.GetProtoTx()
	if t == nil || t.AuthInfo == nil || t.AuthInfo.Fee == nil {
		return errorsmod.Wrap(sdkerrors.ErrTxDecode, "transaction has no fee (auth_info.fee)")
	}
	fee := t.AuthInfo.Fee
	if fee.GasLimit > txtypes.MaxGasWanted {
		return errorsmod.Wrapf(sdkerrors.ErrInvalidRequest, "gas limit %d is above the maximum %d", fee.GasLimit, txtypes.MaxGasWanted)
	}
	for _, c := range fee.Amount {
		if err := sdk.ValidateDenom(c.Denom); err != nil {
			return errorsmod.Wrapf(sdkerrors.ErrInvalidCoins, "fee denom %q is not a valid denomination", c.Denom)
		}
		if c.Amount.IsNil() || c.Amount.IsNegative() {
			return errorsmod.Wrapf(sdkerrors.ErrInsufficientFee, "fee amount of %s must be zero or more", c.Denom)
		}
	}
	for _, a := range []struct{ field, addr string }{{"payer", fee.Payer}, {"granter", fee.Granter}} {
		if a.addr == "" {
			continue
		}
		if _, err := d.addrs.StringToBytes(a.addr); err != nil {
			return errorsmod.Wrapf(sdkerrors.ErrInvalidAddress, "fee %s %q is not an account address", a.field, a.addr)
		}
	}
	return nil
}

// chainAnte runs decorators in front of an existing ante handler.
func chainAnte(handler sdk.AnteHandler, decorators ...sdk.AnteDecorator) sdk.AnteHandler {
	last := handlerDecorator{handler}
	return sdk.ChainAnteDecorators(append(decorators, last)...)
}

type handlerDecorator struct{ h sdk.AnteHandler }

func (d handlerDecorator) AnteHandle(ctx sdk.Context, tx sdk.Tx, simulate bool, _ sdk.AnteHandler) (sdk.Context, error) {
	return d.h(ctx, tx, simulate)
}

// plainPanicRecovery is a baseapp recovery handler for panics that escape
// a transaction's execution. The SDK's default handler puts the panic value
// and the full Go stack into the error, and so into the response the client
// reads (and into block results, where it is not even deterministic). This
// one logs them on the node and returns a registered error without them.
// Out-of-gas panics are handled before it by baseapp.
func plainPanicRecovery(logger log.Logger) baseapp.RecoveryHandler {
	return func(recovered any) error {
		logger.Error("recovered from a panic in a transaction", "panic", fmt.Sprint(recovered), "stack", string(debug.Stack()))
		return errorsmod.Wrap(sdkerrors.ErrPanic, "the transaction could not be processed; the node's log has the details")
	}
}
