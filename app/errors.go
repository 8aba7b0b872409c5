package app

import (
	sdk "github.com/cosmos/cosmos-sdk/types"
)

// plainError carries an error's text and nothing else when formatted.
// cosmossdk.io/errors formats a wrapped error with %v as its message plus
// " [file:line]" of the place it was first wrapped, a path on the machine
// that built the node; %+v adds the whole stack. The SDK's tx service
// formats a failed simulation with %v, and the CLI simulates every
// transaction to estimate gas, so users saw paths such as
// "[/build/prova/x/registry/types/validate.go:49]". plainError does not
// implement fmt.Formatter, so every verb prints Error(); Unwrap keeps
// errors.Is and the ABCI code lookups working.
type plainError struct{ err error }

func (e plainError) Error() string { return e.err.Error() }
func (e plainError) Unwrap() error { return e.err }

// plainSimulate wraps a simulate function so its errors format without
// source locations.
func plainSimulate(simulate func([]byte) (sdk.GasInfo, *sdk.Result, error)) func([]byte) (sdk.GasInfo, *sdk.Result, error) {
	return func(txBytes []byte) (sdk.GasInfo, *sdk.Result, error) {
		gi, res, err := simulate(txBytes)
		if err != nil {
			err = plainError{err}
		}
		return gi, res, err
	}
}
