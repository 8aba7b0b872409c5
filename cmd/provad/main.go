// Command provad is the Prova node and client: one binary for running a
// validator, sending transactions, and verifying provenance offline.
package main

import (
	"os"

	"github.com/prova-network/prova/internal/cli"
)

func main() { os.Exit(cli.Execute()) }
