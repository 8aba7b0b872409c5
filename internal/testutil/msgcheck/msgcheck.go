// Package msgcheck holds the property every ValidateBasic fuzzer of the
// Prova modules checks, so the four modules check the same thing.
package msgcheck

import (
	"bytes"
	"reflect"
	"testing"

	errorsmod "cosmossdk.io/errors"

	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
)

// Msg is a message with stateless checks and its gogoproto codec.
type Msg interface {
	ValidateBasic() error
	Marshal() ([]byte, error)
	Unmarshal([]byte) error
}

// ValidateBasic runs m.ValidateBasic and fails t unless the outcome has
// the property: a rejection carries an error registered by the module
// (codespace) or the SDK, which is what the chain reports as the
// transaction's code; an accepted message survives a proto round trip byte
// for byte and is accepted again. It returns ValidateBasic's error.
func ValidateBasic(t testing.TB, m Msg, codespace string) error {
	t.Helper()
	err := m.ValidateBasic()
	if err != nil {
		if space, code, _ := errorsmod.ABCIInfo(err, false); (space != codespace && space != sdkerrors.RootCodespace) || code < 2 {
			t.Fatalf("%T: error %q is not registered (codespace %q, code %d)", m, err, space, code)
		}
		return err
	}
	bz, err := m.Marshal()
	if err != nil {
		t.Fatalf("%T: accepted but does not marshal: %v", m, err)
	}
	back := reflect.New(reflect.TypeOf(m).Elem()).Interface().(Msg)
	if err := back.Unmarshal(bz); err != nil {
		t.Fatalf("%T: accepted but does not unmarshal: %v", m, err)
	}
	if again, err := back.Marshal(); err != nil || !bytes.Equal(again, bz) {
		t.Fatalf("%T: proto round trip changed the message: %v", m, err)
	}
	if err := back.ValidateBasic(); err != nil {
		t.Fatalf("%T: accepted, then rejected after a proto round trip: %v", m, err)
	}
	return nil
}
