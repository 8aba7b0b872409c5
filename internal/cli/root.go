// Package cli builds provad's command tree: the standard Cosmos node and
// client commands, and Prova's own (dev, demo, testnet, verified queries).
// One file per command group; this file holds the root and shared wiring.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	cmtcfg "github.com/cometbft/cometbft/config"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/spf13/cobra"

	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/client"
	clientconfig "github.com/cosmos/cosmos-sdk/client/config"
	"github.com/cosmos/cosmos-sdk/client/debug"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/keys"
	"github.com/cosmos/cosmos-sdk/client/pruning"
	"github.com/cosmos/cosmos-sdk/client/rpc"
	"github.com/cosmos/cosmos-sdk/client/snapshot"
	"github.com/cosmos/cosmos-sdk/server"
	svrcmd "github.com/cosmos/cosmos-sdk/server/cmd"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	authcmd "github.com/cosmos/cosmos-sdk/x/auth/client/cli"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	genutilcli "github.com/cosmos/cosmos-sdk/x/genutil/client/cli"

	"github.com/prova-network/prova/app"
	"github.com/prova-network/prova/internal/node"
	"github.com/prova-network/prova/internal/nodeconfig"
)

// DefaultHome is the node and client home directory used when --home is not given.
var DefaultHome = func() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ".prova"
	}
	return filepath.Join(home, ".prova")
}()

// Execute runs provad with os.Args and returns the process exit code. Errors
// are printed once, with a hint where we have one.
func Execute() int {
	root := rootFor(os.Args[1:])
	root.SilenceErrors = true
	if err := run(root); err != nil {
		var exitErr *ExitError
		if errors.As(err, &exitErr) {
			if exitErr.Err != nil {
				printError(root.ErrOrStderr(), exitErr.Err)
			}
			return exitErr.Code
		}
		printError(root.ErrOrStderr(), err)
		return 1
	}
	return 0
}

// ExitError carries a specific exit status out of a command.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

func printError(w io.Writer, err error) {
	fmt.Fprintf(w, "Error: %v\n", err)
	if hint := hintFor(err); hint != "" {
		fmt.Fprintf(w, "Hint: %s\n", hint)
	}
}

// run executes root with the persistent flags and context the SDK's server
// commands expect.
func run(root *cobra.Command) error {
	pf := root.PersistentFlags()
	pf.String(flags.FlagHome, DefaultHome, "directory for config and data")
	pf.String(flags.FlagLogLevel, "info", "logging level (trace|debug|info|warn|error|fatal|panic|disabled or '*:<level>,<key>:<level>')")
	pf.String(flags.FlagLogFormat, "plain", "logging format (json|plain)")
	pf.Bool(flags.FlagLogNoColor, false, "disable colored logs")
	pf.String(flags.FlagVerboseLogLevel, "debug", "logging level used in verbose mode (e.g. during upgrades)")
	return root.ExecuteContext(svrcmd.CreateExecuteContext(context.Background()))
}

// localOnly is the pre-run of commands that manage their own homes and
// processes (dev, demo, testnet): they need no client or server context,
// and must not create config files in the default home.
func localOnly(*cobra.Command, []string) error { return nil }

// offlineCommands read only local files: they need no chain codec, client
// context or home.
var offlineCommands = map[string]func() *cobra.Command{"hash": hashCommand, "inspect": inspectCommand}

// rootFor returns the root command for args. An offline command gets a root
// without the client app, whose construction is most of provad's start-up
// time (`provad hash` took 0.13 s to start with it, 0.03 s without);
// everything else gets NewRootCmd.
func rootFor(args []string) *cobra.Command {
	if len(args) > 0 {
		if mk, ok := offlineCommands[args[0]]; ok {
			root := &cobra.Command{Use: "provad", SilenceUsage: true}
			root.AddCommand(mk())
			return root
		}
	}
	return NewRootCmd()
}

// NewRootCmd returns the provad root command with every subcommand attached.
func NewRootCmd() *cobra.Command {
	// A throwaway app provides the codecs and module list for the client
	// side; it never touches a real database.
	tmpHome, err := os.MkdirTemp("", "provad-client-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(tmpHome)
	tempApp := app.New(log.NewNopLogger(), dbm.NewMemDB(), false, simtestutil.NewAppOptionsWithFlagHome(tmpHome))

	initClientCtx := client.Context{}.
		WithCodec(tempApp.AppCodec()).
		WithInterfaceRegistry(tempApp.InterfaceRegistry()).
		WithTxConfig(tempApp.TxConfig()).
		WithLegacyAmino(tempApp.LegacyAmino()).
		WithInput(os.Stdin).
		WithAccountRetriever(authtypes.AccountRetriever{}).
		WithHomeDir(DefaultHome).
		WithViper("PROVA")

	rootCmd := &cobra.Command{
		Use:   "provad",
		Short: "Prova: verifiable provenance for AI datasets, models and inferences",
		Long: `provad runs a Prova node and talks to one.

Start here:
  provad demo            run the whole story on a throwaway local chain
  provad dev             a persistent single-validator chain in ~/.prova-dev
  provad testnet         a local multi-validator network

Every query that says "verified" is checked against a light-client-verified
block header before it is printed.`,
		SilenceUsage: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(cmd.OutOrStdout())
			cmd.SetErr(cmd.ErrOrStderr())

			clientCtx := initClientCtx.WithCmdContext(cmd.Context())
			clientCtx, err := client.ReadPersistentCommandFlags(clientCtx, cmd.Flags())
			if err != nil {
				return err
			}
			clientCtx, err = clientconfig.ReadFromClientConfig(clientCtx)
			if err != nil {
				return err
			}
			if err := client.SetCmdClientContextHandler(clientCtx, cmd); err != nil {
				return err
			}
			appTemplate, appConfig := initAppConfig()
			return server.InterceptConfigsPreRunHandler(cmd, appTemplate, appConfig, initCometConfig())
		},
	}

	addCommands(rootCmd, tempApp)

	autoCliOpts := tempApp.AutoCliOpts()
	autoCliOpts.ClientCtx = initClientCtx
	if err := autoCliOpts.EnhanceRootCommand(rootCmd); err != nil {
		panic(err)
	}
	return rootCmd
}

// initCometConfig returns the CometBFT defaults Prova starts from.
func initCometConfig() *cmtcfg.Config {
	return cmtcfg.DefaultConfig()
}

// initAppConfig returns app.toml's template and defaults (see
// internal/nodeconfig): the SDK's settings plus the [receipt-log] section.
func initAppConfig() (string, any) {
	return nodeconfig.Template, nodeconfig.Default()
}

func addCommands(rootCmd *cobra.Command, tempApp *app.App) {
	rootCmd.AddCommand(
		genutilcli.InitCmd(tempApp.BasicModuleManager, DefaultHome),
		genutilcli.Commands(tempApp.TxConfig(), tempApp.BasicModuleManager, DefaultHome),
		debug.Cmd(),
		pruning.Cmd(newApp, DefaultHome),
		snapshot.Cmd(newApp),
	)
	server.AddCommandsWithStartCmdOptions(rootCmd, DefaultHome, newApp, exportApp, server.StartCmdOptions{PostSetup: node.StartServices})
	rootCmd.AddCommand(
		server.StatusCommand(),
		queryCommand(),
		txCommand(),
		keys.Commands(),
		devCommand(),
		demoCommand(),
		testnetCommand(),
		evaluatorCommand(),
		hashCommand(),
		verifyCommand(),
		inspectCommand(),
		bomCommand(),
		datasetCommand(),
		contentCommand(),
		receiptCommand(),
		inferCommand(),
	)
}

func queryCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:                        "query",
		Aliases:                    []string{"q"},
		Short:                      "Query the chain (add 'verified' for proven answers)",
		DisableFlagParsing:         false,
		SuggestionsMinimumDistance: 2,
		RunE:                       client.ValidateCmd,
	}
	cmd.AddCommand(
		rpc.QueryEventForTxCmd(),
		rpc.ValidatorCommand(),
		server.QueryBlockCmd(),
		authcmd.QueryTxsByEventsCmd(),
		server.QueryBlocksCmd(),
		authcmd.QueryTxCmd(),
		server.QueryBlockResultsCmd(),
		verifiedCommand(),
	)
	return cmd
}

func txCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:                        "tx",
		Short:                      "Sign and broadcast transactions",
		SuggestionsMinimumDistance: 2,
		RunE:                       client.ValidateCmd,
	}
	cmd.AddCommand(
		authcmd.GetSignCommand(),
		authcmd.GetSignBatchCommand(),
		authcmd.GetMultiSignCommand(),
		authcmd.GetMultiSignBatchCmd(),
		authcmd.GetValidateSignaturesCommand(),
		authcmd.GetBroadcastCommand(),
		authcmd.GetEncodeCommand(),
		authcmd.GetDecodeCommand(),
		authcmd.GetSimulateCmd(),
	)
	txResultCheck(cmd)
	return cmd
}

func newApp(logger log.Logger, db dbm.DB, appOpts servertypes.AppOptions) servertypes.Application {
	return app.New(logger, db, true, appOpts, server.DefaultBaseappOptions(appOpts)...)
}

func exportApp(
	logger log.Logger, db dbm.DB, height int64, forZeroHeight bool,
	jailAllowedAddrs []string, appOpts servertypes.AppOptions, modulesToExport []string,
) (servertypes.ExportedApp, error) {
	a := app.New(logger, db, height == -1, appOpts)
	if height != -1 {
		if err := a.LoadHeight(height); err != nil {
			return servertypes.ExportedApp{}, err
		}
	}
	return a.ExportAppStateAndValidators(forZeroHeight, jailAllowedAddrs, modulesToExport)
}
