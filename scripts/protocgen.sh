#!/usr/bin/env bash
# Regenerate Go code from proto/ with Debian's protoc, the gocosmos plugin and
# the grpc-gateway plugin. Include paths come from the Go module cache, so no
# network registry is needed. Run from anywhere; generated files are committed.
set -euo pipefail
cd "$(dirname "$0")/.."

GOCOSMOS_VERSION=v1.7.2   # github.com/cosmos/gogoproto
GATEWAY_VERSION=v1.16.0   # github.com/grpc-ecosystem/grpc-gateway

command -v protoc >/dev/null || { echo "protoc not found: apt-get install -y protobuf-compiler" >&2; exit 1; }
gobin="$(go env GOPATH)/bin"
export PATH="$gobin:$PATH"
[ -x "$gobin/protoc-gen-gocosmos" ] || GOFLAGS= go install "github.com/cosmos/gogoproto/protoc-gen-gocosmos@$GOCOSMOS_VERSION"
[ -x "$gobin/protoc-gen-grpc-gateway" ] || GOFLAGS= go install "github.com/grpc-ecosystem/grpc-gateway/protoc-gen-grpc-gateway@$GATEWAY_VERSION"

modpath() { go list -m -f '{{.Dir}}' "$1"; }
go mod download github.com/cosmos/cosmos-sdk github.com/cosmos/gogoproto github.com/cosmos/cosmos-proto github.com/grpc-ecosystem/grpc-gateway
SDK=$(modpath github.com/cosmos/cosmos-sdk)
GOGO=$(modpath github.com/cosmos/gogoproto)
CPROTO=$(modpath github.com/cosmos/cosmos-proto)
GW=$(modpath github.com/grpc-ecosystem/grpc-gateway)

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
includes=(-I proto -I "$SDK/proto" -I "$GOGO" -I "$CPROTO/proto" -I "$GW/third_party/googleapis")

for dir in $(find proto -name '*.proto' -exec dirname {} \; | sort -u); do
  files=$(find "$dir" -maxdepth 1 -name '*.proto' | sort)
  protoc "${includes[@]}" \
    --gocosmos_out=plugins=grpc,Mgoogle/protobuf/any.proto=github.com/cosmos/gogoproto/types/any:"$out" \
    --grpc-gateway_out=logtostderr=true,allow_colon_final_segments=true:"$out" \
    $files
done

# Files land under their go_package path; move ours into the module tree.
module=$(go list -m)
cp -r "$out/$module/." .
gofmt -w $(find "$out/$module" -name '*.go' | sed "s|$out/$module/||")
echo "generated: $(find "$out/$module" -name '*.go' | wc -l) files"
