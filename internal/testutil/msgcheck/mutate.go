package msgcheck

import (
	"reflect"
	"slices"

	sdkmath "cosmossdk.io/math"
)

// scalarFields lists the fields of v that Mutate can set, depth first:
// strings, integers (enums included), booleans, byte slices, sdkmath.Int and
// LegacyDec, reached through nested structs, pointers and the first element
// of other slices.
func scalarFields(v reflect.Value, out []reflect.Value) []reflect.Value {
	switch v.Type() {
	case reflect.TypeFor[sdkmath.Int](), reflect.TypeFor[sdkmath.LegacyDec]():
		return append(out, v)
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			out = scalarFields(v.Elem(), out)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out = scalarFields(v.Field(i), out)
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return append(out, v)
		}
		if v.Len() > 0 {
			out = scalarFields(v.Index(0), out)
		}
	case reflect.String, reflect.Bool, reflect.Int32, reflect.Int64, reflect.Uint32, reflect.Uint64:
		out = append(out, v)
	}
	return out
}

// Mutate sets one field of the message m (a pointer), chosen by field
// among its strings, integers, booleans, byte slices, sdkmath.Int and
// LegacyDec (nested ones too), from s, n or b, and returns the field's type:
// the fuzzers' way to reach every field of every message from one input.
func Mutate(m any, field uint8, s string, n uint64, b []byte) reflect.Type {
	fields := scalarFields(reflect.ValueOf(m), nil)
	v := fields[int(field)%len(fields)]
	switch v.Type() {
	case reflect.TypeFor[sdkmath.Int]():
		v.Set(reflect.ValueOf(sdkmath.NewInt(int64(n))))
		return v.Type()
	case reflect.TypeFor[sdkmath.LegacyDec]():
		v.Set(reflect.ValueOf(sdkmath.LegacyNewDecWithPrec(int64(n), 3)))
		return v.Type()
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		v.SetBool(n&1 == 1)
	case reflect.Int32, reflect.Int64:
		v.SetInt(int64(n)) // truncated to the field's width
	case reflect.Uint32, reflect.Uint64:
		v.SetUint(n)
	case reflect.Slice:
		v.SetBytes(slices.Clone(b))
	}
	return v.Type()
}
